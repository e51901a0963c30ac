import avro from 'avsc';
import { ConnectionError, DataError, type Metrics, SchemaCompatibilityError } from '@buyonline/connect-api';
import { afterEach, describe, expect, it } from 'vitest';
import { AvroProducerSerde } from './avro-producer-serde.ts';
import { createRegistryClient } from './registry-client.ts';
import { closeRegistries, errorOf, json, refusedUrl, registeringRegistry, registry, schema } from './registry-fakes.test-support.ts';

afterEach(closeRegistries);

describe('AvroProducerSerde: an outage is waited out, never a dead-lettered row', () => {
  const gauges: number[] = [];
  const metrics: Metrics = { count: () => undefined, gauge: (_n, v) => gauges.push(v), observe: () => undefined };
  const fast = { baseDelayMs: 20, maxDelayMs: 50, metrics };

  it.each([500, 503, 401, 403, 429, 404])('waits while the registry answers %i, then serializes', async (status) => {
    gauges.length = 0;
    const healthy = registeringRegistry();
    let failures = 0;
    const fake = await registry((req, body, res) => {
      if (failures < 4) {
        failures++;
        return json(res, status, status === 404 ? '' : { error_code: status * 100 + 1, message: 'not now' });
      }
      healthy(req, body, res);
    });
    const serde = new AvroProducerSerde(createRegistryClient(fake.url), fast);
    const bytes = await serde.serialize('t', 'value', schema, { id: 7 });
    expect(bytes.readInt32BE(1)).toBe(1);
    expect(failures).toBe(4);
    expect(gauges).toEqual([0, 1]); // unavailable, then available again
    expect(serde.registryAvailable()).toBe(true);
  });

  it('while the registry refuses connections it keeps waiting (unavailable) until stopped, and then throws a ConnectionError', async () => {
    const controller = new AbortController();
    const serde = new AvroProducerSerde(createRegistryClient(await refusedUrl()), { ...fast, signal: controller.signal });
    const pending = errorOf(serde.serialize('t', 'value', schema, { id: 7 }));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(serde.registryAvailable()).toBe(false);
    controller.abort();
    expect(await pending).toBeInstanceOf(ConnectionError);
  });

  it('without retry options an outage is thrown at once as a retriable ConnectionError (the caller backs off), never a DataError', async () => {
    const serde = new AvroProducerSerde(createRegistryClient(await refusedUrl()));
    const err = await errorOf(serde.serialize('t', 'value', schema, { id: 7 }));
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).retriable).toBe(true);
    expect(serde.registryAvailable()).toBe(false);
  });

  it('a schema the registry itself refuses (422) stops the producer; it is not a dead-lettered row', async () => {
    const fake = await registry((req, body, res) => {
      if (req.method === 'POST' && /\/versions/.test(req.url ?? '')) return json(res, 422, { error_code: 42201, message: 'Invalid schema' });
      registeringRegistry()(req, body, res);
    });
    const serde = new AvroProducerSerde(createRegistryClient(fake.url), fast);
    const err = await errorOf(serde.serialize('t', 'value', schema, { id: 7 }));
    expect(err).toBeInstanceOf(SchemaCompatibilityError);
  });

  it('a value Avro cannot encode is a DataError (the row is dead-lettered)', async () => {
    const fake = await registry(registeringRegistry());
    const serde = new AvroProducerSerde(createRegistryClient(fake.url), fast);
    expect(await errorOf(serde.serialize('t', 'value', schema, { id: 'seven' }))).toBeInstanceOf(DataError);
  });
});

describe('the per-record path asks the registry nothing', () => {
  it('after its first record, a schema object serializes synchronously, with no registry request', async () => {
    const fake = await registry(registeringRegistry());
    const serde = new AvroProducerSerde(createRegistryClient(fake.url));
    expect(serde.serializeKnown('t', 'value', schema, { id: 1 })).toBeUndefined();
    await serde.serialize('t', 'value', schema, { id: 1 });
    const requests = fake.requests.length;
    for (let id = 2; id < 100; id++) {
      const bytes = serde.serializeKnown('t', 'value', schema, { id }) as Buffer;
      expect(bytes.readInt32BE(1)).toBe(1);
      expect(avro.Type.forSchema(schema as avro.Schema).fromBuffer(bytes.subarray(5))).toEqual({ id });
    }
    expect(fake.requests.length).toBe(requests);
    // Another topic is another subject: registered on its own.
    expect(serde.serializeKnown('u', 'value', schema, { id: 1 })).toBeUndefined();
  });
});

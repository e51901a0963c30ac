import { ConnectionError, DataError } from '@buyonline/connect-api';
import { afterEach, describe, expect, it } from 'vitest';
import { AvroJsonDeserializer } from './avro-json-deserializer.ts';
import { createRegistryClient } from './registry-client.ts';
import { closeRegistries, errorOf, framed, json, refusedUrl, registry, schemaById } from './registry-fakes.test-support.ts';

afterEach(closeRegistries);

describe('AvroJsonDeserializer: outage or poison', () => {
  it('decodes with the schema the registry returns', async () => {
    const fake = await registry(schemaById);
    const d = new AvroJsonDeserializer(createRegistryClient(fake.url));
    expect(await d.deserialize('t', 'value', framed(1, { id: 7 }))).toEqual({ value: { id: 7 }, schemaId: 1 });
  });

  it('a refused connection is a ConnectionError, not poison', async () => {
    const d = new AvroJsonDeserializer(createRegistryClient(await refusedUrl()));
    const err = await errorOf(d.deserialize('t', 'value', framed(1, { id: 7 })));
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).not.toBeInstanceOf(DataError);
  });

  it('a registry that does not answer in time is a ConnectionError', async () => {
    const fake = await registry(() => undefined); // never answers
    const d = new AvroJsonDeserializer(createRegistryClient(fake.url, { timeoutMs: 200 }));
    expect(await errorOf(d.deserialize('t', 'value', framed(1, { id: 7 })))).toBeInstanceOf(ConnectionError);
  });

  it.each([
    [500, { error_code: 50001, message: 'store error' }],
    [503, ''],
    [401, { error_code: 40101, message: 'unauthorized' }],
    [403, { error_code: 40301, message: 'forbidden' }],
    [429, { error_code: 42901, message: 'slow down' }],
    // What Apicurio answers for a path it does not serve (e.g. SCHEMA_REGISTRY_URL without /apis/ccompat/v7).
    [404, { status: 404, title: 'RESTEASY003210: Could not find resource for full path', name: 'NotFoundException' }],
    [404, ''],
  ])('HTTP %i (%j) is a ConnectionError, not poison', async (status, body) => {
    const fake = await registry((_req, _b, res) => json(res, status, body));
    const d = new AvroJsonDeserializer(createRegistryClient(fake.url));
    const err = await errorOf(d.deserialize('t', 'value', framed(1, { id: 7 })));
    expect(err).toBeInstanceOf(ConnectionError);
  });

  it('a retry after an outage really asks the registry again, and then decodes', async () => {
    const fake = await registry((_req, _b, res) => json(res, 503, ''));
    const d = new AvroJsonDeserializer(createRegistryClient(fake.url));
    expect(await errorOf(d.deserialize('t', 'value', framed(1, { id: 7 })))).toBeInstanceOf(ConnectionError);
    const before = fake.requests.length;
    fake.setHandler(schemaById);
    expect((await d.deserialize('t', 'value', framed(1, { id: 7 }))).value).toEqual({ id: 7 });
    expect(fake.requests.length).toBeGreaterThan(before);
  });

  it('a schema id the answering registry does not know (40403) is poison', async () => {
    const fake = await registry(schemaById);
    const d = new AvroJsonDeserializer(createRegistryClient(fake.url));
    const err = await errorOf(d.deserialize('t', 'value', framed(99, { id: 7 })));
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/schema id 99 does not exist/);
  });

  it('bytes that are not Confluent-framed, or do not decode with the returned schema, are poison', async () => {
    const fake = await registry(schemaById);
    const d = new AvroJsonDeserializer(createRegistryClient(fake.url));
    expect(await errorOf(d.deserialize('t', 'value', Buffer.from('{"id":1}')))).toBeInstanceOf(DataError);
    const truncated = Buffer.from([0, 0, 0, 0, 1]); // schema 1, no body
    expect(await errorOf(d.deserialize('t', 'value', truncated))).toBeInstanceOf(DataError);
  });
});

describe('the per-record path asks the registry nothing', () => {
  it('the deserializer fetches each schema id once, then decodes without a request', async () => {
    const fake = await registry(schemaById);
    const deserializer = new AvroJsonDeserializer(createRegistryClient(fake.url));
    expect(deserializer.deserializeKnown('value', framed(1, { id: 1 }))).toBeUndefined();
    expect((await deserializer.deserialize('t', 'value', framed(1, { id: 1 }))).value).toEqual({ id: 1 });
    const requests = fake.requests.length;
    for (let id = 2; id < 100; id++) expect(deserializer.deserializeKnown('value', framed(1, { id }))).toEqual({ value: { id }, schemaId: 1 });
    expect(fake.requests.length).toBe(requests);
  });

  it('keeps the writer schema of each id it read, one object per id (a sink maps fields to columns with it)', async () => {
    const fake = await registry(schemaById);
    const deserializer = new AvroJsonDeserializer(createRegistryClient(fake.url));
    expect(deserializer.schemaOf(1)).toBeUndefined();
    await deserializer.deserialize('t', 'value', framed(1, { id: 1 }));
    expect(deserializer.schemaOf(1)).toMatchObject({ type: 'record', fields: [{ name: 'id' }] });
    expect(deserializer.schemaOf(1)).toBe(deserializer.schemaOf(1));
  });
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import avro from 'avsc';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError, DataError, type Metrics, SchemaCompatibilityError } from '@buyonline/connect-api';
import { AvroJsonDeserializer, AvroProducerSerde, createRegistryClient } from './schema-registry.ts';

const schema = { type: 'record', name: 'Thing', fields: [{ name: 'id', type: 'long' }] };
const framed = (id: number, value: unknown) => {
  const body = avro.Type.forSchema(schema as avro.Schema).toBuffer(value);
  const head = Buffer.alloc(5);
  head.writeInt32BE(id, 1);
  return Buffer.concat([head, body]);
};

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** A fake registry on a free loopback port; `handler` answers each request (it can change between calls). */
async function fakeRegistry(initial: Handler): Promise<{ url: string; requests: string[]; setHandler(h: Handler): void; close(): Promise<void> }> {
  let handler = initial;
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setHandler: (h) => {
      handler = h;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: connections are refused. */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const schemaById: Handler = (req, _body, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/schemas/ids/1?')) return json(res, 200, { schema: JSON.stringify(schema) });
  if (req.method === 'GET' && req.url?.startsWith('/schemas/ids/')) return json(res, 404, { error_code: 40403, message: 'Schema not found' });
  json(res, 500, { error_code: 50001, message: `unexpected ${req.method} ${req.url}` });
};

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function registry(handler: Handler) {
  const fake = await fakeRegistry(handler);
  closers.push(fake.close);
  return fake;
}

const errorOf = async (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (err: unknown) => err);

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

/** A registry that knows nothing yet and registers what it is sent, as id 1. */
function registeringRegistry(): Handler {
  let registered: string | undefined;
  return (req, body, res) => {
    const url = req.url ?? '';
    if (req.method === 'POST' && /^\/subjects\/[^/]+\?normalize/.test(url)) {
      return registered ? json(res, 200, { id: 1, version: 1, subject: 't-value', schema: registered }) : json(res, 404, { error_code: 40401, message: 'Subject not found' });
    }
    if (req.method === 'GET' && url.includes('/versions/latest')) return json(res, 404, { error_code: 40401, message: 'Subject not found' });
    if (req.method === 'POST' && /^\/subjects\/[^/]+\/versions/.test(url)) {
      registered = (JSON.parse(body) as { schema: string }).schema;
      return json(res, 200, { id: 1 });
    }
    if (req.method === 'GET' && url.startsWith('/schemas/ids/1')) return json(res, 200, { schema: registered });
    json(res, 500, { error_code: 50001, message: `unexpected ${req.method} ${url}` });
  };
}

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

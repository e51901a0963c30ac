import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import avro from 'avsc';

export const schema = { type: 'record', name: 'Thing', fields: [{ name: 'id', type: 'long' }] };
export const framed = (id: number, value: unknown) => {
  const body = avro.Type.forSchema(schema as avro.Schema).toBuffer(value);
  const head = Buffer.alloc(5);
  head.writeInt32BE(id, 1);
  return Buffer.concat([head, body]);
};

export type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
export const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

// The fake Schema Registry (plain HTTP on loopback) the serde tests talk to.

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
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

export const schemaById: Handler = (req, _body, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/schemas/ids/1?')) return json(res, 200, { schema: JSON.stringify(schema) });
  if (req.method === 'GET' && req.url?.startsWith('/schemas/ids/')) return json(res, 404, { error_code: 40403, message: 'Schema not found' });
  json(res, 500, { error_code: 50001, message: `unexpected ${req.method} ${req.url}` });
};

const closers: (() => Promise<void>)[] = [];

/** Closes the registries `registry` started (each test file runs it after each test). */
export async function closeRegistries(): Promise<void> {
  for (const close of closers.splice(0)) await close();
}

export async function registry(handler: Handler) {
  const fake = await fakeRegistry(handler);
  closers.push(fake.close);
  return fake;
}

export const errorOf = async (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (err: unknown) => err);

/** A registry that knows nothing yet and registers what it is sent, as id 1. */
export function registeringRegistry(): Handler {
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

/**
 * What a failed Schema Registry call means. The client (@confluentinc/schemaregistry) throws
 * a RestError `{ status, errorCode }` when an HTTP answer came back (errorCode is the
 * Confluent `error_code` of the body, -1 when the body is not the registry's: a proxy, or a
 * path the server does not serve), and axios' own error (`isAxiosError`, no `response`, a
 * `code` such as ECONNREFUSED or ECONNABORTED) when no answer came back at all.
 *
 * - `unavailable`: no answer, a timeout, 5xx, 401/403/408/429, a 404 that is not the
 *   registry's (wrong API path), or any other answer the registry's API does not give:
 *   an outage, to be waited out with backoff. Never a reason to dead-letter a record.
 * - `not-found`: the registry itself answered 404 with one of its codes: subject (40401),
 *   version (40402) or schema id (40403) does not exist.
 * - `rejected`: the registry itself refused the request (409 incompatible, 422 invalid
 *   schema, or another 4xx carrying a Confluent error code).
 * - `not-registry`: the error did not come from talking to the registry (for example Avro
 *   could not encode or decode the bytes).
 */
export type RegistryFailure =
  | { kind: 'unavailable'; reason: string }
  | { kind: 'not-found'; errorCode: number }
  | { kind: 'rejected'; status: number; errorCode: number }
  | { kind: 'not-registry' };

/** Confluent error codes the registry answers with (Apicurio's ccompat API uses the same). */
export const SUBJECT_NOT_FOUND = 40401;
export const VERSION_NOT_FOUND = 40402;
export const SCHEMA_NOT_FOUND = 40403;

/** Status codes that mean "try again later", whatever the body says. */
const OUTAGE_STATUS = new Set([401, 403, 407, 408, 425, 429]);

/** Errno-style codes of a request that got no answer (Node's net/dns errors, axios' own). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

interface ErrorShape {
  status?: unknown;
  errorCode?: unknown;
  code?: unknown;
  isAxiosError?: unknown;
  response?: { status?: unknown } | undefined;
  cause?: unknown;
  message?: unknown;
}

function networkCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 4) return undefined;
  const e = err as ErrorShape;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return e.code;
  // AggregateError (happy eyeballs: every address refused)
  const errors = (err as { errors?: unknown }).errors;
  if (Array.isArray(errors)) for (const inner of errors) {
    const code = networkCode(inner, depth + 1);
    if (code) return code;
  }
  return networkCode(e.cause, depth + 1);
}

export function classifyRegistryError(err: unknown): RegistryFailure {
  if (typeof err !== 'object' || err === null) return { kind: 'not-registry' };
  const e = err as ErrorShape;
  const status = typeof e.status === 'number' ? e.status : typeof e.response?.status === 'number' ? e.response.status : undefined;
  if (status !== undefined && (e.isAxiosError === true || typeof e.errorCode === 'number')) {
    const errorCode = typeof e.errorCode === 'number' ? e.errorCode : -1;
    if (status >= 500 || OUTAGE_STATUS.has(status)) return { kind: 'unavailable', reason: `HTTP ${status}` };
    // A Confluent error code is the sign that the registry itself answered (not a proxy,
    // not a server that does not serve this path).
    const fromRegistry = errorCode > 0;
    if (!fromRegistry) return { kind: 'unavailable', reason: `HTTP ${status} without a registry error code (wrong URL or API path?)` };
    if (status === 404) {
      return Math.floor(errorCode / 100) === 404
        ? { kind: 'not-found', errorCode }
        : { kind: 'unavailable', reason: `HTTP 404 with error code ${errorCode}` };
    }
    if (status >= 400) return { kind: 'rejected', status, errorCode };
    return { kind: 'unavailable', reason: `HTTP ${status}` };
  }
  const code = networkCode(err);
  if (code) return { kind: 'unavailable', reason: code };
  if (e.isAxiosError === true) return { kind: 'unavailable', reason: typeof e.code === 'string' ? e.code : 'no answer' };
  return { kind: 'not-registry' };
}

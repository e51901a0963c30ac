import { describe, expect, it } from 'vitest';
import { classifyRegistryError } from './registry-errors.ts';

/** What @confluentinc/schemaregistry throws when an HTTP answer came back. */
const rest = (status: number, errorCode: number) => Object.assign(new Error(`HTTP ${status}; Error code: ${errorCode}`), { status, errorCode });
/** What axios throws when no answer came back. */
const network = (code: string) => Object.assign(new Error(code), { isAxiosError: true, code, response: undefined });

describe('classifyRegistryError', () => {
  it.each([500, 502, 503, 504, 401, 403, 408, 429])('HTTP %i is an outage', (status) => {
    expect(classifyRegistryError(rest(status, 50001)).kind).toBe('unavailable');
    expect(classifyRegistryError(rest(status, -1)).kind).toBe('unavailable');
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_NETWORK'])(
    'no answer (%s) is an outage',
    (code) => {
      expect(classifyRegistryError(network(code))).toEqual({ kind: 'unavailable', reason: code });
    },
  );

  it('a refused connection wrapped as a cause, or inside an AggregateError, is an outage', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(classifyRegistryError(new Error('fetch failed', { cause: refused })).kind).toBe('unavailable');
    expect(classifyRegistryError(new AggregateError([refused], 'all addresses failed')).kind).toBe('unavailable');
  });

  it('a 404 the registry answers with its own code means: does not exist', () => {
    expect(classifyRegistryError(rest(404, 40403))).toEqual({ kind: 'not-found', errorCode: 40403 });
    expect(classifyRegistryError(rest(404, 40401))).toEqual({ kind: 'not-found', errorCode: 40401 });
  });

  it('a 404 without a registry error code is a wrong API path, i.e. an outage, not "not found"', () => {
    expect(classifyRegistryError(rest(404, -1)).kind).toBe('unavailable');
  });

  it('a refusal by the registry itself (409, 422 with its code) is "rejected"', () => {
    expect(classifyRegistryError(rest(409, 409))).toEqual({ kind: 'rejected', status: 409, errorCode: 409 });
    expect(classifyRegistryError(rest(422, 42201))).toEqual({ kind: 'rejected', status: 422, errorCode: 42201 });
  });

  it('an error that did not come from the registry (Avro, programming) is "not-registry"', () => {
    expect(classifyRegistryError(new Error('truncated buffer')).kind).toBe('not-registry');
    expect(classifyRegistryError(new TypeError('x is undefined')).kind).toBe('not-registry');
    expect(classifyRegistryError('a string').kind).toBe('not-registry');
  });
});

import { ConfigError, ConnectionError, DataError } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { classifySnowflakeError } from './errors.ts';

describe('classifySnowflakeError', () => {
  it('bad credentials are a ConfigError that says what to check', () => {
    const err = classifySnowflakeError({ code: 390100, message: 'Incorrect username or password was specified.' }, 'login');
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.retriable).toBe(false);
    expect(err.message).toMatch(/credentials/);
    expect(classifySnowflakeError({ code: '390144', message: 'JWT token is invalid.' }, 'login')).toBeInstanceOf(ConfigError);
  });
  it('a missing stage is a ConfigError naming the stage', () => {
    const err = classifySnowflakeError({ code: '002003', sqlState: '02000', message: "SQL compilation error:\nStage 'DB.S.NOPE' does not exist or not authorized." }, 'LIST @"DB"."S"."NOPE"');
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/stage missing/);
    expect(err.message).not.toContain('\n');
  });
  it('missing privileges are a ConfigError', () => {
    const err = classifySnowflakeError({ code: '003001', sqlState: '42501', message: 'SQL access control error: Insufficient privileges to operate on stage' }, 'PUT');
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/privileges/);
  });
  it('network failures, expired sessions and server errors are retriable ConnectionErrors', () => {
    for (const e of [
      { code: 401001, message: 'Network error. Could not reach Snowflake.' },
      { code: '390114', message: 'Authentication token has expired.' },
      { message: 'connect ECONNREFUSED 127.0.0.1:1' },
      { code: '261000', sqlState: 'XX000', message: 'Unhandled exception' },
    ]) {
      const err = classifySnowflakeError(e, 'COPY');
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err.retriable).toBe(true);
    }
  });
  it('a statement the server rejects (syntax, failed load) is not retried', () => {
    const err = classifySnowflakeError({ code: '001003', sqlState: '42000', message: 'SQL compilation error: syntax error' }, 'COPY');
    expect(err.retriable).toBe(false);
    expect(err.code).toBe('STAGE_IO');
  });
  it('a file whose data cannot be loaded is a DataError (not retried, not a stop)', () => {
    for (const e of [
      { code: '100069', sqlState: '22P02', message: "Error parsing JSON: incomplete object value, File 'cdc/t/0/x.jsonl.gz', line 2" },
      { code: '100038', sqlState: '22018', message: "Numeric value 'abc' is not recognized" },
    ]) {
      const err = classifySnowflakeError(e, 'COPY');
      expect(err).toBeInstanceOf(DataError);
      expect(err.retriable).toBe(false);
    }
  });
});

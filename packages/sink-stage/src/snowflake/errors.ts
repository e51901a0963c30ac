import { CdcError, ConfigError, ConnectionError, DataError } from '@buyonline/connect-api';

/** What the SDK or the server says about a failure (the fields of a snowflake-sdk error). */
export interface SnowflakeErrorLike {
  message?: string;
  code?: string | number;
  sqlState?: string;
  isFatal?: boolean;
}

const AUTH_CODES = new Set([
  '390100', // incorrect username or password
  '390101', // user not found / disabled (varies by release)
  '390102', // user temporarily locked
  '390144', // JWT token is invalid (key-pair: wrong key or public key not registered)
  '390146', // invalid or missing public key fingerprint
  '390318', // OAuth token expired/invalid
  '394304', // authentication failed (generic)
]);
const OPTION_CODE = /^4040\d\d$/; // ERR_CONN_CREATE_INVALID_*: a bad connection option
const NETWORK_CODES = new Set(['401001', '401002', '401003', '402001', '405503', '407002']);
const SESSION_EXPIRED = new Set(['390112', '390114', '390104', '390103']);

const codeOf = (err: SnowflakeErrorLike) => (err.code === undefined ? '' : String(err.code).padStart(6, '0'));

/**
 * A snowflake-sdk failure as one of the pipeline's typed errors: bad credentials, a missing
 * object or a missing privilege is a ConfigError (stop and say what to fix); the network, a
 * throttled or expired session, or a server error is a ConnectionError (retry with backoff).
 * `what` names the statement or step, never a secret.
 */
export function classifySnowflakeError(err: unknown, what: string): CdcError {
  if (err instanceof CdcError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SnowflakeErrorLike;
  const code = codeOf(e);
  const message = (e.message ?? 'unknown error').split('\n').join(' ');
  const state = e.sqlState ?? '';
  if (AUTH_CODES.has(code) || state === '28000' || state === '28P01') {
    return new ConfigError(`Snowflake refused the credentials (${code}): ${message} — check SNOWFLAKE_USERNAME and the password or private key`, { cause: err });
  }
  if (OPTION_CODE.test(code)) return new ConfigError(`invalid Snowflake connection option (${code}): ${message}`, { cause: err });
  if (code === '003001' || state === '42501' || /insufficient privileges/i.test(message)) {
    return new ConfigError(`missing privileges for ${what} (${code}): ${message} — grant the role USAGE/READ/WRITE on the stage, INSERT on the table`, { cause: err });
  }
  if (code === '002003' || /does not exist or not authorized/i.test(message)) {
    const kind = /stage/i.test(message) ? 'stage' : /table/i.test(message) ? 'table' : 'object';
    return new ConfigError(
      `Snowflake ${kind} missing, or the role may not see it, for ${what} (${code}): ${message} — create it, or set SNOWFLAKE_CREATE_OBJECTS=true`,
      { cause: err },
    );
  }
  if (code === '000606' || /no active warehouse/i.test(message)) {
    return new ConfigError(`no warehouse for ${what}: set SNOWFLAKE_WAREHOUSE (${message})`, { cause: err });
  }
  if (NETWORK_CODES.has(code) || SESSION_EXPIRED.has(code) || state.startsWith('08') || state === 'XX000' || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|socket hang up|timeout/i.test(message)) {
    return new ConnectionError(`Snowflake unreachable during ${what} (${code || 'network'}): ${message}`, { cause: err });
  }
  // The file's content cannot be loaded (JSON that does not parse, a value the column refuses):
  // 100xxx are Snowflake's data-loading errors, SQLSTATE class 22 data exceptions.
  if (/^100\d{3}$/.test(code) || state.startsWith('22')) {
    return new DataError(`Snowflake cannot load the data of ${what} (${code}${state ? `/${state}` : ''}): ${message}`, { cause: err });
  }
  // Anything else the server rejected (syntax, a failed load) is not made better by retrying.
  return new CdcError('STAGE_IO', `Snowflake failed ${what} (${code || '?'}${state ? `/${state}` : ''}): ${message}`, { cause: err, retriable: false });
}

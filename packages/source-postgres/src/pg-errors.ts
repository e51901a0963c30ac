import { CdcError, ConfigError, ConnectionError } from '@buyonline/connect-api';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);

/** Turns a postgres.js / server error into a typed one that says what to do. */
export function classifyPgError(err: unknown, table: string): CdcError {
  if (err instanceof CdcError) return err;
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error).message ?? String(err);
  if (CONNECTION_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P03') {
    return new ConnectionError(`PostgreSQL unreachable (${code}): ${message}`, { cause: err });
  }
  if (code === '42P01') {
    return new ConfigError(`table ${table} does not exist: run \`buyonline-producer migrate\` first`, { cause: err });
  }
  if (code === '42703') {
    return new ConfigError(`table ${table} lacks the CDC columns (cdc_txid, cdc_version): run \`buyonline-producer migrate\``, { cause: err });
  }
  if (code === '28P01' || code === '28000') {
    return new ConfigError(`PostgreSQL refused the credentials: ${message}`, { cause: err });
  }
  if (code === '42501') {
    return new ConfigError(`the PostgreSQL role lacks a privilege on ${table}: ${message}`, { cause: err });
  }
  if (code === '3D000') {
    return new ConfigError(`the PostgreSQL database does not exist: ${message}`, { cause: err });
  }
  return new CdcError('CONNECTION_FAILED', `PostgreSQL error ${code}: ${message}`, { cause: err, retriable: code === '40001' || code === '40P01' });
}

/** The pipeline's stable error codes: logs, metrics and dead-letter headers carry these. */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'CONNECTION_FAILED',
  'DATA_INVALID',
  'SCHEMA_INCOMPATIBLE',
  'SOURCE_POSITION_LOST',
  'STAGE_CONFLICT',
  'STAGE_IO',
  'FENCED',
] as const;
/** A code of ERROR_CODES, or a plugin's own (e.g. `MYSQL_BINLOG_GONE`): codes are open to plugins. */
export type ErrorCode = (typeof ERROR_CODES)[number] | (string & {});

export interface CdcErrorOptions {
  cause?: unknown;
  retriable?: boolean;
}

/** Marks errors of every copy of this package (a plugin may bundle its own). */
const BRAND = Symbol.for('buyonline.cdc-error');

/** Base of every error the pipeline raises on purpose. */
export class CdcError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  /**
   * `err instanceof ConfigError` holds for an error made by another copy of this package too
   * (same brand, same class name): a plugin bundled with its own connect-api is retried,
   * dead-lettered or stopped on exactly as one that shares the app's.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[BRAND] !== true) return false;
    return this === CdcError || (value as Error).name === this.name;
  }

  constructor(code: ErrorCode, message: string, options: CdcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** Bad configuration: never retriable, the process must stop and say which key is wrong. */
export class ConfigError extends CdcError {
  constructor(message: string, options: Omit<CdcErrorOptions, 'retriable'> = {}) {
    super('CONFIG_INVALID', message, { ...options, retriable: false });
  }
}

/** A service (PostgreSQL, Kafka, registry, stage) is unreachable: retriable with backoff. */
export class ConnectionError extends CdcError {
  constructor(message: string, options: Omit<CdcErrorOptions, 'retriable'> = {}) {
    super('CONNECTION_FAILED', message, { ...options, retriable: true });
  }
}

/** One record is bad: it goes to the dead-letter topic with this reason, the stream goes on. */
export class DataError extends CdcError {
  constructor(message: string, options: Omit<CdcErrorOptions, 'retriable'> = {}) {
    super('DATA_INVALID', message, { ...options, retriable: false });
  }
}

/** A schema change the registry would reject: stop before producing anything with it. */
export class SchemaCompatibilityError extends CdcError {
  constructor(message: string, options: Omit<CdcErrorOptions, 'retriable'> = {}) {
    super('SCHEMA_INCOMPATIBLE', message, { ...options, retriable: false });
  }
}

/** Another writer owns the partition (zombie after a rebalance, or a fenced producer). */
export class FencedError extends CdcError {
  constructor(message: string, options: Omit<CdcErrorOptions, 'retriable'> = {}) {
    super('FENCED', message, { ...options, retriable: false });
  }
}

export function isRetriable(err: unknown): boolean {
  return err instanceof CdcError ? err.retriable : false;
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}

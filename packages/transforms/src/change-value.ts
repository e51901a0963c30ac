import { DataError, isoToMicros } from '@buyonline/connect-api';

/** A row image: column name → value in the form the source (or the sink's deserializer) gives it. */
export type Row = Record<string, unknown>;

/** Where a change happened, as far as the transforms read it. */
export interface ChangeSource {
  connector?: string;
  db?: string;
  schema?: string;
  table?: string;
  txid?: number | null;
  lsn?: string | null;
  snapshot?: boolean;
  /** Microseconds since the epoch (a number at the source, ISO-8601 after the sink's deserializer). */
  ts_us?: number | string;
  [field: string]: unknown;
}

/** The change envelope the PostgreSQL source produces (and the sink deserializes). */
export interface ChangeValue {
  op: string;
  before: Row | null;
  after: Row | null;
  source: ChangeSource;
  ts_us?: number | string;
  unchanged_toast?: string[];
  [field: string]: unknown;
}

export const UNCHANGED_TOAST_HEADER = 'buyonline.unchanged-toast';

export function isChangeValue(value: unknown): value is ChangeValue {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ChangeValue>;
  return typeof v.op === 'string' && 'before' in v && 'after' in v && typeof v.source === 'object' && v.source !== null;
}

/** The value as a change envelope, or a DataError saying which transform could not read it. */
export function asChangeValue(value: unknown, transform: string): ChangeValue {
  if (isChangeValue(value)) return value;
  throw new DataError(
    `${transform}: the record value is not a change envelope (op, before, after, source); put transforms that read rows before \`envelope\` in the chain`,
  );
}

/** `<schema>.<table>` of the change, when its source says. */
export function qualifiedTableOf(value: ChangeValue): string | undefined {
  const { schema, table } = value.source;
  return typeof schema === 'string' && typeof table === 'string' ? `${schema}.${table}` : undefined;
}

/** The row a change is about: the after-image, or the before-image of a delete; null for a truncate. */
export function currentRow(value: ChangeValue): Row | null {
  return value.after ?? value.before;
}

/** Microseconds since the epoch from a number (source side) or an ISO-8601 string (sink side). */
export function toMicros(value: unknown, what: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return isoToMicros(value);
  throw new DataError(`${what}: expected microseconds since the epoch or an ISO-8601 timestamp, got ${typeof value}`);
}

export function microsToMillis(micros: number | null): number | null {
  return micros === null ? null : Math.floor(micros / 1000);
}

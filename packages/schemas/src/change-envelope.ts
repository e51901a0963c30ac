import type { IoBuyonlineCdc } from './generated/types.ts';

/**
 * The change envelope, one home for source, transforms and sinks: its field names, its types
 * and its guard. The Avro schema is avro/change-envelope.avsc (each table's value schema adds
 * `before`, `after` and `unchanged_toast` to it).
 */

export type ChangeSource = IoBuyonlineCdc.Source;
export type Operation = IoBuyonlineCdc.Operation;

/** The envelope's field names, as every table's value schema spells them. */
export const ENVELOPE_FIELDS = {
  op: 'op',
  before: 'before',
  after: 'after',
  source: 'source',
  tsUs: 'ts_us',
  unchangedToast: 'unchanged_toast',
} as const;

/** The record header naming (comma-separated) the columns an update left out: unchanged TOASTed values. */
export const UNCHANGED_TOAST_HEADER = 'buyonline.unchanged-toast';

/** One change of a row of any table, as the source builds it: the shared envelope plus the table's row before and after. */
export interface ChangeEvent<Row = Record<string, unknown>> {
  op: Operation;
  before: Row | null;
  after: Row | null;
  source: ChangeSource;
  ts_us: number;
  /** Columns whose TOASTed value did not change and is not in the record. */
  unchanged_toast?: string[];
}

/**
 * A change as any stage reads it: at the source (timestamps as µs numbers) or after the sink's
 * deserializer (timestamps as ISO-8601 text, int64 beyond 2^53 as bigint), or reshaped by a
 * transform (the `debezium` envelope adds fields). Only the shape is promised.
 */
export interface ChangeValue<Row = Record<string, unknown>> {
  op: string;
  before: Row | null;
  after: Row | null;
  /** Where and when: always there in a record of our source; a reader that needs it checks (`hasSource`). */
  source?: ChangeSourceFields | null;
  ts_us?: number | string | bigint;
  unchanged_toast?: string[];
  [field: string]: unknown;
}

/** The `source` block as a reader sees it: the fields of ChangeSource, each optional and in either side's form. */
export interface ChangeSourceFields {
  connector?: string;
  db?: string;
  schema?: string;
  table?: string;
  position?: string;
  txid?: number | bigint | null;
  lsn?: string | null;
  snapshot?: boolean;
  /** Microseconds since the epoch (a number at the source, ISO-8601 after the sink's deserializer). */
  ts_us?: number | string;
  [field: string]: unknown;
}

/** Whether a value is a change envelope (not a row): `op` text, `before` and `after` present (each null or a row). */
export function isChangeValue(value: unknown): value is ChangeValue {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ChangeValue>;
  return typeof v.op === 'string' && 'before' in v && 'after' in v;
}

/** Whether a change envelope carries its `source` block. */
export function hasSource<Row>(value: ChangeValue<Row>): value is ChangeValue<Row> & { source: ChangeSourceFields } {
  return typeof value.source === 'object' && value.source !== null;
}

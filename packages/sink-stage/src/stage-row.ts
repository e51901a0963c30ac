import type { SinkRecord } from '@buyonline/connect-api';

interface ChangeEnvelope {
  op: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  source?: unknown;
  ts_us?: unknown;
  /** Columns whose unchanged TOASTed value the source did not have: unknown, so left out. */
  unchanged_toast?: string[];
}

function isEnvelope(value: unknown): value is ChangeEnvelope {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { op?: unknown }).op === 'string' &&
    ('after' in value || 'before' in value)
  );
}

/** Bytes as PostgreSQL prints bytea (`\\x` + hex); arrays element by element. */
function jsonValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (Array.isArray(value)) return value.map(jsonValue);
  // JSON has no NaN or infinities (JSON.stringify would write null): PostgreSQL's spelling instead.
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

/** The row's fields as JSON values, leaving out `omit` (columns whose value is unknown), into `out`. */
function copyRow(row: Record<string, unknown>, out: Record<string, unknown>, omit: readonly string[]): void {
  // Own fields only: a decoded Avro record's prototype has enumerable methods (clone, toBuffer…).
  for (const k of Object.keys(row)) {
    if (omit.length > 0 && omit.includes(k)) continue;
    const v = row[k];
    out[k] = typeof v === 'object' || typeof v === 'number' ? jsonValue(v) : v;
  }
}

const NO_COLUMNS: readonly string[] = [];

/** Kafka timestamps repeat across a batch: the last one rendered is kept. */
let lastTimestampMs = Number.NaN;
let lastTimestampIso = '';
function isoTimestamp(ms: number): string {
  if (ms !== lastTimestampMs) {
    lastTimestampMs = ms;
    lastTimestampIso = new Date(ms).toISOString();
  }
  return lastTimestampIso;
}

/**
 * The JSON object written for one record: the row's own fields at the top level (the
 * after-image, or the before-image of a delete), then `__op`, `__deleted`, `__source` and
 * `__kafka` (topic, partition, offset, key, timestamp). Decimals are already exact strings
 * and timestamps ISO-8601 with microseconds (the deserializer's JSON logical types).
 * Returns undefined for a tombstone, which carries no row. `offset` is the record's offset as
 * a number, when the caller has it already.
 */
export function toStageRow(record: SinkRecord, offset = Number(record.offset)): Record<string, unknown> | undefined {
  if (record.value === null || record.value === undefined) return undefined;
  const kafka = {
    topic: record.topic,
    partition: record.partition,
    offset,
    key: record.key,
    timestamp: isoTimestamp(record.timestampMs),
  };
  if (!isEnvelope(record.value)) return { ...(record.value as Record<string, unknown>), __kafka: kafka };
  const { op, before, after, source, ts_us, unchanged_toast: unchanged } = record.value;
  const out: Record<string, unknown> = {};
  const image = after ?? before;
  if (image) copyRow(image, out, after && unchanged ? unchanged : NO_COLUMNS);
  out.__op = op;
  // A delete removes its key; a truncate (`t`, no key) every earlier row of the table.
  out.__deleted = op === 'd' || op === 't';
  if (after && unchanged && unchanged.length > 0) out.__unchanged_toast = unchanged;
  out.__source = source ?? null;
  out.__processed_at = ts_us ?? null;
  out.__kafka = kafka;
  return out;
}

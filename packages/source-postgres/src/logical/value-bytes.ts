import type { SourceRecord } from '@buyonline/connect-api';
import type { TextRow } from '../pg-text.ts';

/** What a record holds besides its values (the envelope's source block, the record's fields), about. */
const RECORD_OVERHEAD = 256;
/** A number, a boolean, an object's slot for a value. */
const SCALAR = 8;

/**
 * About how many bytes a value keeps in memory: string lengths (UTF-16 code units), Buffer
 * lengths, a few bytes per other scalar, summed through arrays and objects. Cheap: a walk over the
 * values, nothing serialized or copied.
 */
export function valueBytes(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (value === null || typeof value !== 'object') return SCALAR;
  if (value instanceof Uint8Array) return value.byteLength;
  let n = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) n += valueBytes(value[i]) + SCALAR;
    return n;
  }
  for (const key in value) n += valueBytes((value as Record<string, unknown>)[key]) + SCALAR;
  return n;
}

/** About how many bytes a source record keeps in memory (its key and value). */
export function recordBytes(record: SourceRecord): number {
  return RECORD_OVERHEAD + valueBytes(record.key) + valueBytes(record.value);
}

/** The text of a row as read: the lengths of its values. */
export function textRowBytes(row: TextRow): number {
  let n = RECORD_OVERHEAD;
  for (const key in row) {
    const v = row[key];
    n += v === null || v === undefined ? SCALAR : v.length + SCALAR;
  }
  return n;
}

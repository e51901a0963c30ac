import type { SinkRecord } from '@buyonline/connect-api';
import { isChangeValue, STAGE_METADATA } from '@buyonline/schemas';
import { exactJson } from './exact-json.ts';
import { fieldStageName, keepsNames, type StageNames, stageKey, stageNamesOf } from './stage-names.ts';

/**
 * Whether a value copied since it was last cleared needs exactJson: a bigint (an int64 beyond
 * 2^53, which JSON.stringify refuses) or -0 (which it writes as 0).
 */
let inexact = false;

/** Bytes as PostgreSQL prints bytea (`\\x` + hex); arrays and nested records element by element. */
function jsonValue(value: unknown): unknown {
  if (typeof value === 'number') {
    if (value === 0) {
      if (1 / value < 0) inexact = true;
      return value;
    }
    // JSON has no NaN or infinities (JSON.stringify would write null): PostgreSQL's spelling instead.
    if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    return value;
  }
  if (typeof value === 'bigint') {
    inexact = true;
    return value;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (Array.isArray(value)) return value.map(jsonValue);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) out[k] = jsonValue((value as Record<string, unknown>)[k]);
  return out;
}

/** The row's fields as JSON values under their stage names (stage-names.ts), leaving out `omit` (stage names of columns whose value is unknown), into `out`. */
function copyRow(row: Record<string, unknown>, out: Record<string, unknown>, omit: readonly string[], names: StageNames): void {
  const keep = keepsNames(names);
  // Own fields only: a decoded Avro record's prototype has enumerable methods (clone, toBuffer…).
  for (const k of Object.keys(row)) {
    const name = keep ? k : fieldStageName(names, k);
    if (omit.length > 0 && omit.includes(name)) continue;
    const v = row[k];
    out[name] = typeof v === 'object' || typeof v === 'number' || typeof v === 'bigint' ? jsonValue(v) : v;
  }
}

/** The JSON text of a value: JSON.stringify, or exactJson when it holds a bigint or -0. */
function lineJson(value: unknown, exact: boolean): string {
  return (exact ? exactJson(value) : JSON.stringify(value)) ?? 'null';
}

/** Whether a value outside the row (a key, a source) holds a bigint or -0; it is small, so checked as a whole. */
function needsExact(value: unknown): boolean {
  if (typeof value === 'bigint') return true;
  if (typeof value === 'number') return value === 0 && 1 / value < 0;
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return false;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (needsExact(v)) return true;
  return false;
}

const NO_COLUMNS: readonly string[] = [];

/** The stage names of the columns an update left out (the record names them by their field names). */
function unknownColumns(after: unknown, unchanged: readonly string[] | undefined, names: StageNames): readonly string[] {
  return after && unchanged && unchanged.length > 0 ? unchanged.map((field) => fieldStageName(names, field)) : NO_COLUMNS;
}

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
 * after-image, or the before-image of a delete) under their stage names (the original column
 * name, one more `_` before one starting with `__`: stage-names.ts), then `__op`, `__deleted`,
 * `__source` and `__kafka` (topic, partition, offset, key, timestamp). Decimals are already exact strings
 * and timestamps ISO-8601 with microseconds (the deserializer's JSON logical types); an
 * int64 beyond 2^53 is a bigint, which stageLine writes as its digits.
 * Returns undefined for a tombstone, which carries no row. `offset` is the record's offset as
 * a number, when the caller has it already.
 */
export function toStageRow(record: SinkRecord, offset = Number(record.offset)): Record<string, unknown> | undefined {
  if (record.value === null || record.value === undefined) return undefined;
  const names = stageNamesOf(record.valueSchema);
  const kafka = {
    topic: record.topic,
    partition: record.partition,
    offset,
    key: stageKey(record.key, names),
    timestamp: isoTimestamp(record.timestampMs),
  };
  const out: Record<string, unknown> = {};
  if (!isChangeValue(record.value)) {
    copyRow(record.value as Record<string, unknown>, out, NO_COLUMNS, names);
    out[STAGE_METADATA.kafka] = kafka;
    return out;
  }
  const { op, before, after, source, ts_us, unchanged_toast: unchanged } = record.value;
  const image = after ?? before;
  const omit = unknownColumns(after, unchanged, names);
  if (image) copyRow(image, out, omit, names);
  out[STAGE_METADATA.op] = op;
  // A delete removes its key; a truncate (`t`, no key) every earlier row of the table.
  out[STAGE_METADATA.deleted] = op === 'd' || op === 't';
  if (omit.length > 0) out[STAGE_METADATA.unchangedToast] = omit;
  out[STAGE_METADATA.source] = source ?? null;
  out[STAGE_METADATA.processedAt] = ts_us ?? null;
  out[STAGE_METADATA.kafka] = kafka;
  return out;
}

/** The last `__source` rendered, by its fields: the records of one source transaction carry equal ones. */
let lastSourceKeys: string[] = [];
const lastSourceValues: unknown[] = [];
let lastSourceJson = '';

function sourceJson(source: unknown): string {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return lineJson(source, needsExact(source));
  const fields = source as Record<string, unknown>;
  const keys = Object.keys(fields);
  let same = keys.length === lastSourceKeys.length && lastSourceJson !== '';
  for (let i = 0; same && i < keys.length; i++) same = keys[i] === lastSourceKeys[i] && fields[keys[i] as string] === lastSourceValues[i];
  if (same) return lastSourceJson;
  const text = lineJson(fields, needsExact(fields));
  // Only flat sources of primitives are remembered: equal fields then mean equal text.
  const flat = keys.every((k) => fields[k] === null || typeof fields[k] !== 'object');
  lastSourceKeys = flat ? keys : [];
  lastSourceValues.length = 0;
  if (flat) for (const k of keys) lastSourceValues.push(fields[k]);
  lastSourceJson = flat ? text : '';
  return text;
}

/** The JSON keys (with their colon) of the metadata stageLine writes out itself. */
const SOURCE_KEY = `${JSON.stringify(STAGE_METADATA.source)}:`;
const PROCESSED_AT_KEY = `${JSON.stringify(STAGE_METADATA.processedAt)}:`;
const KAFKA_KEY = `${JSON.stringify(STAGE_METADATA.kafka)}:`;

let lastTopic = '';
let lastTopicJson = '""';

/**
 * `JSON.stringify(toStageRow(record, offset))`, the same text, built faster: the row's fields
 * and `__op`/`__deleted` go through JSON.stringify, while `__source` (equal across the records
 * of a source transaction) is rendered once for a run of equal ones and `__kafka` is written
 * out directly. Where JSON.stringify is not exact the line is: an integer beyond 2^53 (a
 * bigint) is written as its digits and -0 as `-0` (exactJson). Undefined for a tombstone.
 */
export function stageLine(record: SinkRecord, offset = Number(record.offset)): string | undefined {
  const value = record.value;
  if (value === null || value === undefined) return undefined;
  if (!isChangeValue(value)) return rowLine(record, offset);
  const { op, before, after, source, ts_us, unchanged_toast: unchanged } = value;
  const names = stageNamesOf(record.valueSchema);
  const head: Record<string, unknown> = {};
  const image = after ?? before;
  const omit = unknownColumns(after, unchanged, names);
  inexact = false;
  // No column's stage name is a metadata key (stage-names.ts): the metadata can follow the row.
  if (image) copyRow(image, head, omit, names);
  head[STAGE_METADATA.op] = op;
  head[STAGE_METADATA.deleted] = op === 'd' || op === 't';
  if (omit.length > 0) head[STAGE_METADATA.unchangedToast] = omit;
  if (record.topic !== lastTopic) {
    lastTopic = record.topic;
    lastTopicJson = JSON.stringify(record.topic);
  }
  const key = record.key === undefined ? '' : `"key":${keyJson(stageKey(record.key, names))},`;
  const kafka = `{"topic":${lastTopicJson},"partition":${JSON.stringify(record.partition)},"offset":${JSON.stringify(offset)},${key}"timestamp":"${isoTimestamp(record.timestampMs)}"}`;
  const text = lineJson(head, inexact);
  return `${text.slice(0, -1)},${SOURCE_KEY}${sourceJson(source ?? null)},${PROCESSED_AT_KEY}${lineJson(ts_us ?? null, typeof ts_us === 'bigint')},${KAFKA_KEY}${kafka}}`;
}

/**
 * The key's JSON: JSON.stringify, or exactJson for a key holding a bigint (JSON.stringify
 * throws). A float key of -0 prints 0 here (PostgreSQL's equality holds -0 and 0 for one key);
 * the row's field keeps -0. Checking each key for -0 first cost a tenth of stageLine's time.
 */
function keyJson(key: unknown): string {
  try {
    return JSON.stringify(key) ?? 'null';
  } catch (err) {
    if (err instanceof TypeError && needsExact(key)) return exactJson(key) ?? 'null';
    throw err;
  }
}

/** The line of toStageRow's object, written with exactJson when it holds a bigint or -0. */
function rowLine(record: SinkRecord, offset: number): string | undefined {
  inexact = false;
  const row = toStageRow(record, offset);
  return row === undefined ? undefined : lineJson(row, inexact || needsExact(row));
}

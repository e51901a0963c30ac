import { DataError } from '@buyonline/connect-api';
import { isoToMicros } from '@buyonline/connect-api';
import { parse as parsePgArray } from 'postgres-array';

/** A column as the catalog describes it. */
export interface ColumnInfo {
  name: string;
  typeName: string;
  /** 'b' base, 'e' enum, … (pg_type.typtype) */
  typeType: string;
  typeMod: number;
  notNull: boolean;
  isKey: boolean;
  /** 1-based place in the primary key (composite keys), for key columns. */
  keyPosition?: number;
  /** For arrays: the element type. */
  element?: { typeName: string; typeType: string } | undefined;
}

export type AvroType = string | Record<string, unknown> | unknown[];

export interface ColumnMapping {
  /** The Avro type of the value (not yet nullable). */
  avro: AvroType;
  /** PostgreSQL's text output → the value Avro serializes. */
  fromText(text: string): unknown;
}

const INT = /^-?\d+$/;
/** avsc encodes a long exactly only while its zig-zag form stays below 2^53, i.e. |n| < 2^52. */
const MAX_EXACT_LONG = 4_503_599_627_370_495;

function parseInteger(text: string, what: string): number {
  if (!INT.test(text)) throw new DataError(`${what}: "${text}" is not an integer`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || Math.abs(n) > MAX_EXACT_LONG) throw new DataError(`${what}: ${text} exceeds 2^52 and cannot be carried exactly`);
  return n;
}

function parseFloatText(text: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === 'Infinity') return Number.POSITIVE_INFINITY;
  if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function finite(text: string, what: string): string {
  if (text === 'infinity' || text === '-infinity') throw new DataError(`${what}: ${text} has no Avro representation`);
  return text;
}

const DATE = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/;

export function dateToDays(text: string): number {
  const m = DATE.exec(finite(text, 'date'));
  if (!m || m[4]) throw new DataError(`date: "${text}" is not a supported date`);
  const date = new Date(0);
  date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3])); // Date.UTC would read years 0–99 as 1900–1999
  return Math.round(date.getTime() / 86_400_000);
}

export function timeToMicros(text: string): number {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new DataError(`time: "${text}" is not a time of day`);
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1_000_000 + Number((m[4] ?? '').padEnd(6, '0'));
}

/** `2026-11-25 13:12:41.111039+00` (timestamptz text, any zone) → µs since the epoch. */
export function timestamptzToMicros(text: string): number {
  const iso = finite(text, 'timestamptz')
    .replace(' ', 'T')
    .replace(/([+-]\d{2})$/, '$1:00')
    .replace(/([+-]\d{2}):?(\d{2}):(\d{2})$/, (_, h: string, m: string, s: string) => {
      if (s !== '00') throw new DataError(`timestamptz: "${text}" has a seconds offset`);
      return `${h}:${m}`;
    });
  return exactMicros(isoToMicros(iso), text);
}

function exactMicros(micros: number, text: string): number {
  if (Math.abs(micros) > MAX_EXACT_LONG) throw new DataError(`"${text}" is outside 1827–2112: its microseconds exceed 2^52`);
  return micros;
}

/** `2026-11-25 13:12:41.111039` (timestamp without time zone) → µs of that wall-clock time read as UTC. */
export function timestampToMicros(text: string): number {
  return exactMicros(isoToMicros(`${finite(text, 'timestamp').replace(' ', 'T')}Z`), text);
}

function byteaFromText(text: string): Buffer {
  if (!text.startsWith('\\x')) throw new DataError('bytea: expected hex output (bytea_output = hex)');
  return Buffer.from(text.slice(2), 'hex');
}

function numericMapping(typeMod: number): ColumnMapping {
  if (typeMod >= 4) {
    const precision = ((typeMod - 4) >> 16) & 0xffff;
    const scale = (typeMod - 4) & 0xffff;
    return {
      avro: { type: 'bytes', logicalType: 'decimal', precision, scale },
      fromText: (t) => {
        if (t === 'NaN') throw new DataError('numeric: NaN has no decimal representation');
        return t;
      },
    };
  }
  // numeric without a declared precision: any scale, so no Avro decimal fits; keep the exact text.
  return { avro: { type: 'string', 'buyonline.pg.type': 'numeric' }, fromText: (t) => t };
}

function baseMapping(typeName: string, typeType: string, typeMod: number): ColumnMapping {
  if (typeType === 'e') return { avro: { type: 'string', 'buyonline.pg.type': 'enum' }, fromText: (t) => t };
  switch (typeName) {
    case 'int2':
    case 'int4':
      return { avro: 'int', fromText: (t) => parseInteger(t, typeName) };
    case 'int8':
      return { avro: 'long', fromText: (t) => parseInteger(t, typeName) };
    case 'float4':
      // double, not float: PostgreSQL's shortest text form (0.1) survives; a float32 would print 0.10000000149011612.
      return { avro: 'double', fromText: parseFloatText };
    case 'float8':
      return { avro: 'double', fromText: parseFloatText };
    case 'numeric':
      return numericMapping(typeMod);
    case 'bool':
      return { avro: 'boolean', fromText: (t) => t === 't' || t === 'true' };
    case 'date':
      return { avro: { type: 'int', logicalType: 'date' }, fromText: dateToDays };
    case 'time':
      return { avro: { type: 'long', logicalType: 'time-micros' }, fromText: timeToMicros };
    case 'timestamp':
      return { avro: { type: 'long', logicalType: 'local-timestamp-micros' }, fromText: timestampToMicros };
    case 'timestamptz':
      return { avro: { type: 'long', logicalType: 'timestamp-micros' }, fromText: timestamptzToMicros };
    case 'uuid':
      return { avro: { type: 'string', logicalType: 'uuid' }, fromText: (t) => t };
    case 'json':
    case 'jsonb':
      return { avro: { type: 'string', 'buyonline.pg.type': typeName }, fromText: (t) => t };
    case 'bytea':
      return { avro: 'bytes', fromText: byteaFromText };
    default:
      // text, varchar, bpchar, name, citext and anything else: PostgreSQL's own text form, never lossy.
      return { avro: 'string', fromText: (t) => t };
  }
}

/** Maps a column to its Avro type and a converter from PostgreSQL's text output. */
export function mapColumn(column: ColumnInfo): ColumnMapping {
  if (column.element) {
    const item = baseMapping(column.element.typeName, column.element.typeType, -1);
    return {
      avro: { type: 'array', items: ['null', item.avro] },
      fromText: (t) => flatten(parsePgArray(t, (v) => item.fromText(v)), column.name),
    };
  }
  return baseMapping(column.typeName, column.typeType, column.typeMod);
}

function flatten(value: unknown, column: string): unknown[] {
  if (!Array.isArray(value)) return [];
  if (value.some(Array.isArray)) throw new DataError(`${column}: multi-dimensional arrays are not supported`);
  return value;
}

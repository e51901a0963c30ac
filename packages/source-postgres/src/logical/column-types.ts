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

/** The value of `-?\d{1,15}` (always below 2^52), or undefined for anything else: what parseInteger reads without its regex. */
function shortInteger(text: string): number | undefined {
  const length = text.length;
  const negative = text.charCodeAt(0) === 45;
  let i = negative ? 1 : 0;
  if (length === i || length - i > 15) return undefined;
  let value = 0;
  for (; i < length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    value = value * 10 + d;
  }
  return negative ? -value : value;
}

function parseInteger(text: string, what: string): number {
  const short = shortInteger(text);
  if (short !== undefined) return short;
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

/** The digit at `i` (0–9), or -1. */
function digitAt(text: string, i: number): number {
  const d = text.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** Two digits at `i` as a number, or -1. */
function twoDigits(text: string, i: number): number {
  const a = digitAt(text, i);
  const b = digitAt(text, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/** The four-digit year (1000–9999) at the start, or -1. */
function fourDigitYear(text: string): number {
  const a = twoDigits(text, 0);
  const b = twoDigits(text, 2);
  return a < 10 || b < 0 ? -1 : a * 100 + b;
}

/**
 * Days since the epoch of a proleptic Gregorian date (month 1–12; a day past the month's end
 * carries over), as Date.UTC counts them, without its cost (H. Hinnant's days_from_civil).
 */
function civilDays(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

/**
 * Days since the epoch of a plain `YYYY-MM-DD` (year 1000–9999, month 1–12, day 1–31, a day past
 * the month's end carried over as setUTCFullYear carries it), or undefined for anything else,
 * which the exact parser reads.
 */
function plainDateDays(text: string): number | undefined {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const year = fourDigitYear(text);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return civilDays(year, month, day);
}

export function dateToDays(text: string): number {
  const days = plainDateDays(text);
  if (days !== undefined) return days;
  const m = DATE.exec(finite(text, 'date'));
  if (!m || m[4]) throw new DataError(`date: "${text}" is not a supported date`);
  const date = new Date(0);
  date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3])); // Date.UTC would read years 0–99 as 1900–1999
  return Math.round(date.getTime() / 86_400_000);
}

/** 10^(6 - n): what a fraction of n digits is multiplied by to become microseconds. */
const FRACTION_SCALE = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/** How many digits follow one another from `i` on. */
function digitRun(text: string, i: number): number {
  let end = i;
  while (digitAt(text, end) >= 0) end++;
  return end - i;
}

/** Microseconds of the `digits` (1–6) fractional digits from `i` on. */
function fractionMicros(text: string, i: number, digits: number): number {
  let value = 0;
  for (let k = i; k < i + digits; k++) value = value * 10 + digitAt(text, k);
  return value * (FRACTION_SCALE[digits] as number);
}

const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

export function timeToMicros(text: string): number {
  if (text.length >= 8 && text.charCodeAt(2) === 58 && text.charCodeAt(5) === 58) {
    const hour = twoDigits(text, 0);
    const minute = twoDigits(text, 3);
    const second = twoDigits(text, 6);
    const whole = text.length === 8;
    const digits = whole ? 0 : text.charCodeAt(8) === 46 ? digitRun(text, 9) : -1;
    if (hour >= 0 && minute >= 0 && second >= 0 && (whole || (digits >= 1 && digits <= 6 && text.length === 9 + digits))) {
      return ((hour * 60 + minute) * 60 + second) * 1_000_000 + (whole ? 0 : fractionMicros(text, 9, digits));
    }
  }
  const m = TIME.exec(text);
  if (!m) throw new DataError(`time: "${text}" is not a time of day`);
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1_000_000 + Number((m[4] ?? '').padEnd(6, '0'));
}

/**
 * µs since the epoch of PostgreSQL's usual timestamp text (DateStyle ISO): `YYYY-MM-DD HH:MM:SS`
 * with a year from 1000, an optional fraction of 1–6 digits and, when `zoned`, an offset `+HH` or
 * `+HH:MM`; undefined for anything else (BC, five-digit years, seconds offsets, infinity), which
 * the exact parser reads. Fields are range-checked as Date.parse checks them (a day up to 31 in
 * any month carries over), so both agree to the µs.
 */
function commonTimestampMicros(text: string, zoned: boolean): number | undefined {
  const length = text.length;
  if (length < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const year = fourDigitYear(text);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  let i = 19;
  let micros = 0;
  if (text.charCodeAt(19) === 46) {
    const digits = digitRun(text, 20);
    if (digits < 1 || digits > 6) return undefined;
    micros = fractionMicros(text, 20, digits);
    i = 20 + digits;
  }
  let offsetMs = 0;
  if (zoned) {
    const sign = text.charCodeAt(i);
    const zoneHour = twoDigits(text, i + 1);
    if ((sign !== 43 && sign !== 45) || zoneHour < 0 || zoneHour > 23) return undefined;
    i += 3;
    let zoneMinute = 0;
    if (i < length) {
      zoneMinute = twoDigits(text, i + 1);
      if (text.charCodeAt(i) !== 58 || zoneMinute < 0 || zoneMinute > 59) return undefined;
      i += 3;
    }
    offsetMs = (sign === 45 ? -1 : 1) * (zoneHour * 60 + zoneMinute) * 60_000;
  }
  if (i !== length) return undefined;
  const local = civilDays(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000;
  return (offsetMs === 0 ? local : local - offsetMs) * 1000 + micros;
}

/** `2026-11-25 13:12:41.111039+00` (timestamptz text, any zone) → µs since the epoch. */
export function timestamptzToMicros(text: string): number {
  const common = commonTimestampMicros(text, true);
  if (common !== undefined) return exactMicros(common, text);
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
  const common = commonTimestampMicros(text, false);
  if (common !== undefined) return exactMicros(common, text);
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

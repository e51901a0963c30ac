import { DataError } from '@buyonline/connect-api';
import { PG_PROPERTIES } from '@buyonline/schemas';
import { oneDimensionalArray } from './pg-array-text.ts';

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
  /** For arrays: the element type (a domain's base type) and the delimiter between elements in the array's text (`;` for box). */
  element?: ArrayElement | undefined;
}

export interface ArrayElement {
  typeName: string;
  typeType: string;
  /** pg_type.typdelim of the element type; `,` when not given. */
  delimiter?: string;
}

export type AvroType = string | Record<string, unknown> | unknown[];

export interface ColumnMapping {
  /**
   * The Avro type of the value (not yet nullable). An array of types is a union of branches
   * (a value column's null branch is added in front of them): the same for every value of the
   * column type, whatever the value.
   */
  avro: AvroType;
  /** PostgreSQL's text output → the value Avro serializes. */
  fromText(text: string): unknown;
}

const INT = /^-?\d+$/;

/** The value of `-?\d{1,15}` (always below 2^53), or undefined for anything else: what parseInteger reads without its regex. */
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
  return Number(text);
}

const INT64_MIN = -9_223_372_036_854_775_808n;
const INT64_MAX = 9_223_372_036_854_775_807n;

/**
 * An int8's text as an Avro long's JS value: a number while it is a safe integer, a bigint beyond
 * (the serializer encodes all 64 bits of either); never through a rounding double.
 */
export function parseInt8(text: string): number | bigint {
  const short = shortInteger(text);
  if (short !== undefined) return short;
  if (!INT.test(text)) throw new DataError(`int8: "${text}" is not an integer`);
  const n = Number(text);
  if (Number.isSafeInteger(n)) return n;
  const big = BigInt(text);
  if (big < INT64_MIN || big > INT64_MAX) throw new DataError(`int8: ${text} is outside the 64-bit range`);
  return big;
}

/** A bigint as the Avro long's JS value: a number while it is safe. */
function longValue(value: bigint): number | bigint {
  return value >= -9_007_199_254_740_991n && value <= 9_007_199_254_740_991n ? Number(value) : value;
}

function parseFloatText(text: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === 'Infinity') return Number.POSITIVE_INFINITY;
  if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** date `infinity` / `-infinity`: the int32 extremes (as Debezium carries them). */
export const DATE_INFINITY = 2_147_483_647;
export const DATE_MINUS_INFINITY = -2_147_483_648;
/** timestamp(tz) `infinity` / `-infinity`: the int64 extremes (as Debezium carries them). */
export const TIMESTAMP_INFINITY = INT64_MAX;
export const TIMESTAMP_MINUS_INFINITY = INT64_MIN;

const DATE = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/;

/** The proleptic Gregorian year of PostgreSQL's year text: `N BC` is year 1 - N (1 BC is year 0). */
const astronomicalYear = (digits: string, bc: string | undefined): number => (bc ? 1 - Number(digits) : Number(digits));

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

/** A date's text (4713 BC to 5874897 AD) → days since 1970-01-01; ±infinity → the int32 extremes. */
export function dateToDays(text: string): number {
  const days = plainDateDays(text);
  if (days !== undefined) return days;
  if (text === 'infinity') return DATE_INFINITY;
  if (text === '-infinity') return DATE_MINUS_INFINITY;
  const m = DATE.exec(text);
  if (!m) throw new DataError(`date: "${text}" is not a date`);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) throw new DataError(`date: "${text}" is not a date`);
  return civilDays(astronomicalYear(m[1] as string, m[4]), month, day);
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

/** Below this many ms from the epoch, ms × 1000 + µs is still a safe integer (years 1685–2255). */
const SAFE_MS = 9_007_199_253_740;

/**
 * µs since the epoch of PostgreSQL's usual timestamp text (DateStyle ISO): `YYYY-MM-DD HH:MM:SS`
 * with a year from 1000, an optional fraction of 1–6 digits and, when `zoned`, an offset `+HH` or
 * `+HH:MM`, when the µs are a safe integer; undefined for anything else (BC, five-digit years,
 * seconds offsets, infinity, µs beyond 2^53), which the exact parser reads.
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
  const ms = civilDays(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 - offsetMs;
  return ms > SAFE_MS || ms < -SAFE_MS ? undefined : ms * 1000 + micros;
}

const TIMESTAMP = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::(\d{2})(?::(\d{2}))?)?)?( BC)?$/;

/**
 * Any timestamp text PostgreSQL prints (4713 BC to 294276 AD, an offset of hours, minutes and
 * seconds when `zoned`) → µs since the epoch, a number while safe and a bigint beyond;
 * ±infinity → the int64 extremes. A time whose µs reach int64's maximum (after
 * 294247-01-10 04:00:54.775806 UTC) cannot be told from infinity and is refused.
 */
function exactTimestampMicros(text: string, zoned: boolean, what: string): number | bigint {
  if (text === 'infinity') return TIMESTAMP_INFINITY;
  if (text === '-infinity') return TIMESTAMP_MINUS_INFINITY;
  const m = TIMESTAMP.exec(text);
  if (!m || (m[8] !== undefined) !== zoned) throw new DataError(`${what}: "${text}" is not a ${what}`);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) throw new DataError(`${what}: "${text}" is not a ${what}`);
  const days = civilDays(astronomicalYear(m[1] as string, m[12]), month, day);
  const offset = zoned ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) : 0;
  const seconds = hour * 3600 + minute * 60 + second - offset;
  const fraction = Number((m[7] ?? '').padEnd(6, '0'));
  const micros = BigInt(days) * 86_400_000_000n + BigInt(seconds * 1_000_000 + fraction);
  if (micros >= TIMESTAMP_INFINITY || micros <= TIMESTAMP_MINUS_INFINITY) {
    throw new DataError(`${what}: "${text}" is past 294247-01-10 04:00:54.775806 UTC, where its µs since 1970 no longer fit a 64-bit long`);
  }
  return longValue(micros);
}

/** `2026-11-25 13:12:41.111039+00` (timestamptz text, any zone) → µs since the epoch (a bigint when not safe). */
export function timestamptzToMicros(text: string): number | bigint {
  return commonTimestampMicros(text, true) ?? exactTimestampMicros(text, true, 'timestamptz');
}

/** `2026-11-25 13:12:41.111039` (timestamp without time zone) → µs of that wall-clock time read as UTC (a bigint when not safe). */
export function timestampToMicros(text: string): number | bigint {
  return commonTimestampMicros(text, false) ?? exactTimestampMicros(text, false, 'timestamp');
}

function byteaFromText(text: string): Buffer {
  if (!text.startsWith('\\x')) throw new DataError('bytea: expected hex output (bytea_output = hex)');
  return Buffer.from(text.slice(2), 'hex');
}

/** A string carrying PostgreSQL's exact text, named by its type. */
const pgText = (pgType: string): ColumnMapping => ({ avro: { type: 'string', [PG_PROPERTIES.type]: pgType }, fromText: (t) => t });

/**
 * numeric(p,s) → Avro decimal(p,s), its text handed on exactly. NaN (the one special value a
 * numeric with a precision holds; ±Infinity needs a free numeric) has no decimal: a value column
 * is the union of the decimal and a double that carries NaN. A key keeps the plain decimal, so
 * its bytes (and partition) stay those of earlier keys; a NaN key is refused.
 */
function numericMapping(typeMod: number, isKey: boolean): ColumnMapping {
  if (typeMod >= 4) {
    const precision = ((typeMod - 4) >> 16) & 0xffff;
    const scale = (typeMod - 4) & 0xffff;
    const decimal = { type: 'bytes', logicalType: 'decimal', precision, scale };
    if (isKey) {
      return {
        avro: decimal,
        fromText: (t) => {
          if (t === 'NaN') throw new DataError('numeric: NaN in a key column has no Avro decimal form');
          return t;
        },
      };
    }
    return { avro: [decimal, 'double'], fromText: (t) => (t === 'NaN' ? Number.NaN : t) };
  }
  // numeric without a declared precision: any scale, so no Avro decimal fits; its exact text (NaN, ±Infinity included).
  return pgText('numeric');
}

/** Types whose PostgreSQL text a plain string carries as is (no `buyonline.pg.type`: the text is the value). */
const PLAIN_TEXT = new Set(['text', 'varchar', 'bpchar', 'name', 'char', 'citext']);

function baseMapping(typeName: string, typeType: string, typeMod: number, isKey: boolean): ColumnMapping {
  if (typeType === 'e') return pgText('enum');
  if (typeType === 'c') return pgText('composite');
  switch (typeName) {
    case 'int2':
    case 'int4':
      return { avro: 'int', fromText: (t) => parseInteger(t, typeName) };
    case 'int8':
      return { avro: 'long', fromText: parseInt8 };
    case 'float4':
      // double, not float: PostgreSQL's shortest text form (0.1) survives; a float32 would print 0.10000000149011612.
      return { avro: 'double', fromText: parseFloatText };
    case 'float8':
      return { avro: 'double', fromText: parseFloatText };
    case 'numeric':
      return numericMapping(typeMod, isKey);
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
    case 'bytea':
      return { avro: 'bytes', fromText: byteaFromText };
    default:
      // text, varchar, bpchar (padded, as PostgreSQL prints it), name, "char": the text is the value.
      if (PLAIN_TEXT.has(typeName)) return { avro: 'string', fromText: (t) => t };
      // Everything else (json, interval, timetz, network, geometric, bit strings, ranges, money,
      // xml, tsvector, pg_lsn, extension types, …): PostgreSQL's own text, never lossy.
      return pgText(typeName);
  }
}

/**
 * An array column. A one-dimensional array with lower bound 1 (what `{…}` prints) is an Avro
 * array of its elements, each converted as a column of the element type would be. Any other
 * array (more dimensions, `[0:2]={…}` bounds) is the array's exact text: a value column is the
 * union of the Avro array and that string. A key keeps the plain array (its bytes stay those of
 * earlier keys) and refuses the others.
 */
function arrayMapping(column: ColumnInfo, element: ArrayElement): ColumnMapping {
  const item = baseMapping(element.typeName, element.typeType, -1, false);
  const delimiter = (element.delimiter ?? ',').charCodeAt(0);
  const convert = item.fromText;
  const array = { type: 'array', items: ['null', ...(Array.isArray(item.avro) ? item.avro : [item.avro])] };
  if (column.isKey) {
    return {
      avro: array,
      fromText: (t) => {
        const elements = oneDimensionalArray(t, delimiter, convert);
        if (elements === undefined) throw new DataError(`${column.name}: an array key with more than one dimension or bounds other than 1 has no Avro array form`);
        return elements;
      },
    };
  }
  return {
    avro: [array, { type: 'string', [PG_PROPERTIES.type]: `${element.typeName}[]` }],
    fromText: (t) => oneDimensionalArray(t, delimiter, convert) ?? t,
  };
}

/** Maps a column to its Avro type and a converter from PostgreSQL's text output. */
export function mapColumn(column: ColumnInfo): ColumnMapping {
  if (column.element) return arrayMapping(column, column.element);
  return baseMapping(column.typeName, column.typeType, column.typeMod, column.isKey);
}

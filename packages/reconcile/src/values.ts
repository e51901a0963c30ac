/**
 * Values as reconcile compares them: every column value becomes one canonical text (or null),
 * the same whether it was read from PostgreSQL (its text output, in a session pinned to
 * DateStyle ISO, TimeZone UTC, bytea_output hex) or from a stage line (the JSON the sink
 * wrote: Avro logical types decoded to JSON, see @buyonline/kafka-common's jsonLogicalTypes
 * and sink-stage's stage-row.ts). Canonical forms:
 * - integers: decimal digits; floats: JavaScript's shortest form of the double (`0.1`,
 *   `1.5e-7`), `NaN`, `Infinity`, `-Infinity`; numeric: its exact value in plain digits, without
 *   trailing fraction zeros (`10.00` and `10` are `10`: a scale change with `ALTER COLUMN … TYPE
 *   numeric(p,s)` makes PostgreSQL print every row with the new scale, while the stage keeps the
 *   scale each row was written with), `NaN`, `Infinity`, `-Infinity`;
 * - bool: `true` / `false`; date `YYYY-MM-DD`; time `HH:MM:SS.ffffff`; timestamp
 *   `YYYY-MM-DDTHH:MM:SS.ffffff`; timestamptz the same in UTC with `Z`; a BC one with a ` BC`
 *   suffix, `infinity` / `-infinity` as they are (the stage's forms); bytea `\x…` (hex);
 * - json and jsonb: the compact JSON of the parsed value with every object's keys sorted
 *   (PostgreSQL's spacing and jsonb's key order meet a VARIANT's text); text that does not
 *   parse stays as it is;
 * - anything else (text, varchar, char(n) with its padding, enum, uuid, …): the type's text
 *   output, as the source carries it;
 * - arrays: the JSON text of the array of canonical elements (`["1",null]`).
 */

/** How a column's values are rendered and ordered; mirrors the source's type mapping. */
export type ValueKind = 'int' | 'float' | 'numeric' | 'bool' | 'date' | 'time' | 'timestamp' | 'timestamptz' | 'bytea' | 'uuid' | 'json' | 'text';

const NAMED_KINDS: Readonly<Record<string, ValueKind>> = {
  int2: 'int',
  int4: 'int',
  int8: 'int',
  float4: 'float',
  float8: 'float',
  numeric: 'numeric',
  bool: 'bool',
  date: 'date',
  time: 'time',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  bytea: 'bytea',
  uuid: 'uuid',
  json: 'json',
  jsonb: 'json',
};

export interface ColumnSpec {
  name: string;
  kind: ValueKind;
  /** A one-dimensional array of `kind` values. */
  array: boolean;
  /** The delimiter of an array's elements in PostgreSQL's text, when not `,` (`;` for box). */
  delimiter?: string;
}

/** The kind of a PostgreSQL type (pg_type.typname, typtype), as the source maps it. */
export function kindOf(typeName: string, typeType: string): ValueKind {
  if (typeType === 'e') return 'text';
  return NAMED_KINDS[typeName] ?? 'text';
}

const FRACTION = (f: string | undefined) => (f ?? '').padEnd(6, '0');
const TIME = /^(\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/;
const TIMESTAMP = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?( BC)?$/;
const TIMESTAMPTZ_UTC = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(?:\+00|\+00:00|Z)( BC)?$/;

function floatText(text: string): string {
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return text;
  const n = Number(text);
  return Number.isNaN(n) ? text : String(n);
}

const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A decimal's exact value in plain digits (no exponent, no leading or trailing zeros, `0` for
 * zero of any sign or scale); text that is no decimal (`NaN`, `Infinity`) as it is.
 */
function decimalText(text: string): string {
  const m = DECIMAL_TEXT.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return text;
  const digits = `${m[2]}${m[3] ?? ''}`;
  // the decimal point's place in `digits`, moved by the exponent
  const point = (m[2] ?? '').length + Number(m[4] ?? 0);
  const whole = (point <= 0 ? '' : digits.slice(0, point).padEnd(point, '0')).replace(/^0+/, '');
  const fraction = (point >= digits.length ? '' : point < 0 ? '0'.repeat(-point) + digits : digits.slice(point)).replace(/0+$/, '');
  if (whole === '' && fraction === '') return '0';
  return `${m[1] === '-' ? '-' : ''}${whole || '0'}${fraction ? `.${fraction}` : ''}`;
}

/** A JSON value with the keys of every object in code point order, for a canonical text. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compareText)) out[key] = sortedKeys((value as Record<string, unknown>)[key]);
  return out;
}

/** A JSON document's canonical text; text that is not JSON as it is. */
function jsonText(text: string): string {
  try {
    return JSON.stringify(sortedKeys(JSON.parse(text)));
  } catch {
    return text;
  }
}

/** One PostgreSQL text output (never null) → its canonical form. */
function scalarFromPg(kind: ValueKind, text: string): string {
  switch (kind) {
    case 'float':
      return floatText(text);
    case 'numeric':
      return decimalText(text);
    case 'json':
      return jsonText(text);
    case 'bool':
      return text === 't' || text === 'true' ? 'true' : text === 'f' || text === 'false' ? 'false' : text;
    case 'time': {
      const m = TIME.exec(text);
      return m ? `${m[1]}.${FRACTION(m[2])}` : text;
    }
    case 'timestamp': {
      const m = TIMESTAMP.exec(text);
      return m ? `${m[1]}T${m[2]}.${FRACTION(m[3])}${m[4] ?? ''}` : text;
    }
    case 'timestamptz': {
      // the session's TimeZone is UTC, so PostgreSQL prints +00
      const m = TIMESTAMPTZ_UTC.exec(text);
      return m ? `${m[1]}T${m[2]}.${FRACTION(m[3])}Z${m[4] ?? ''}` : text;
    }
    default:
      return text;
  }
}

/** A column's value as PostgreSQL printed it (null for SQL NULL) → its canonical form. */
export function fromPgText(column: ColumnSpec, text: string | null): string | null {
  if (text === null) return null;
  if (!column.array) return scalarFromPg(column.kind, text);
  // More than one dimension, or bounds other than 1: the source carries the array's exact text.
  if (text.startsWith('[') || text.startsWith('{{')) return text;
  return JSON.stringify(parsePgArray(text, column.delimiter).map((e) => (e === null ? null : scalarFromPg(column.kind, e))));
}

function scalarFromStage(kind: ValueKind, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (kind === 'json') return typeof value === 'string' ? jsonText(value) : JSON.stringify(sortedKeys(value));
  if (typeof value === 'string') return kind === 'float' ? floatText(value) : kind === 'numeric' ? decimalText(value) : value;
  if (kind === 'numeric' && (typeof value === 'number' || typeof value === 'bigint')) return decimalText(String(value));
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A column's value in a stage line (JSON) → its canonical form; a missing value is null. */
export function fromStage(column: ColumnSpec, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (column.array && typeof value === 'string') return value; // an array the source carried as its text (see fromPgText)
  if (!column.array || !Array.isArray(value)) return scalarFromStage(column.kind, value);
  return JSON.stringify(value.map((e) => scalarFromStage(column.kind, e)));
}

/**
 * A one-dimensional PostgreSQL array literal (`{a,"b c",NULL}`, optionally with a `[l:u]=`
 * bounds prefix) → its elements as text, null for NULL. Nested arrays are flattened (the
 * source refuses multi-dimensional arrays anyway).
 */
export function parsePgArray(text: string, delimiter = ','): (string | null)[] {
  let i = text.startsWith('[') ? text.indexOf('=') + 1 : 0;
  const out: (string | null)[] = [];
  const fail = () => new Error(`not a PostgreSQL array literal: ${text.slice(0, 80)}`);
  if (text[i] !== '{') throw fail();
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === delimiter || c === '}') continue;
    if (c === '"') {
      let value = '';
      for (i++; i < text.length && text[i] !== '"'; i++) value += text[i] === '\\' ? (text[++i] ?? '') : text[i];
      out.push(value);
      continue;
    }
    let end = i;
    while (end < text.length && text[end] !== delimiter && text[end] !== '}') end++;
    const raw = text.slice(i, end).trim();
    out.push(raw.toUpperCase() === 'NULL' ? null : raw);
    i = end - 1;
  }
  return out;
}

/** Text in code point order, which is PostgreSQL's `COLLATE "C"` order for UTF-8 (its byte order). */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 puts surrogates (code points past U+FFFF) before U+E000–U+FFFF; code point order after.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** A canonical integer of at most 15 digits (no sign but `-`, no leading zero): exact as a double. */
function isShortInteger(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 16) return false;
  let i = s.charCodeAt(0) === 45 ? 1 : 0; // '-'
  if (i === n || n - i > 15 || (s.charCodeAt(i) === 48 && (n - i > 1 || i === 1))) return false; // a leading '0', or -0
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Integers as PostgreSQL orders them (any length, no float rounding); non-integers after, as text. */
export function compareIntegers(a: string, b: string): number {
  if (a === b) return 0;
  // the common case, and the hot one (sorting millions of keys): compared as numbers
  if (isShortInteger(a) && isShortInteger(b)) return Number(a) - Number(b);
  const ia = /^-?\d+$/.test(a);
  const ib = /^-?\d+$/.test(b);
  if (!ia || !ib) return ia !== ib ? (ia ? -1 : 1) : compareText(a, b);
  const na = a.startsWith('-');
  const nb = b.startsWith('-');
  if (na !== nb) return na ? -1 : 1;
  const da = a.replace(/^-?0*/, '');
  const db = b.replace(/^-?0*/, '');
  const mag = da.length !== db.length ? da.length - db.length : da < db ? -1 : da > db ? 1 : 0;
  return na ? -mag : mag;
}

const DECIMAL = /^(-)?(\d*)(?:\.(\d*))?$/;
const decimalRank = (t: string) => (t === '-Infinity' ? 0 : t === 'Infinity' ? 2 : t === 'NaN' ? 3 : 1);

/** numeric as PostgreSQL orders it: -Infinity < numbers (exactly, by value) < Infinity < NaN. */
export function compareDecimals(a: string, b: string): number {
  if (a === b) return 0;
  const ra = decimalRank(a);
  const rb = decimalRank(b);
  if (ra !== 1 || rb !== 1) return ra - rb;
  const ma = DECIMAL.exec(a);
  const mb = DECIMAL.exec(b);
  if (!ma || !mb) return compareText(a, b);
  const whole = (m: RegExpExecArray) => (m[2] ?? '').replace(/^0+/, '');
  const frac = (m: RegExpExecArray) => (m[3] ?? '').replace(/0+$/, '');
  const zero = (m: RegExpExecArray) => whole(m) === '' && frac(m) === '';
  const sa = zero(ma) ? 0 : ma[1] ? -1 : 1;
  const sb = zero(mb) ? 0 : mb[1] ? -1 : 1;
  if (sa !== sb) return sa - sb;
  const wa = whole(ma);
  const wb = whole(mb);
  let mag = wa.length !== wb.length ? wa.length - wb.length : wa < wb ? -1 : wa > wb ? 1 : 0;
  if (mag === 0) {
    const width = Math.max(frac(ma).length, frac(mb).length);
    const fa = frac(ma).padEnd(width, '0');
    const fb = frac(mb).padEnd(width, '0');
    mag = fa < fb ? -1 : fa > fb ? 1 : 0;
  }
  return sa < 0 ? -mag : mag;
}

/** float4/float8 as PostgreSQL orders them: by value, NaN after everything. */
export function compareFloats(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) === Number.isNaN(y) ? 0 : Number.isNaN(x) ? 1 : -1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * How canonical values of a key column are ordered, and the SQL expression PostgreSQL must
 * order the rows by for that order to be the same. Numbers, dates and times, bool, uuid and
 * bytea order natively (their canonical texts sort like their values), so the primary key's
 * index can serve the ORDER BY; every other type is ordered by its text output in the "C"
 * collation (code point order), whatever the column's collation or the type's own operator.
 */
export function keyOrder(column: ColumnSpec, sqlColumn: string): { compare: (a: string, b: string) => number; orderBy: string } {
  switch (column.kind) {
    case 'int':
      return { compare: compareIntegers, orderBy: sqlColumn };
    case 'numeric':
      return { compare: compareDecimals, orderBy: sqlColumn };
    case 'float':
      return { compare: compareFloats, orderBy: sqlColumn };
    case 'text':
    case 'json':
      return { compare: compareText, orderBy: `format('%s', ${sqlColumn}) collate "C"` };
    default:
      return { compare: compareText, orderBy: sqlColumn };
  }
}

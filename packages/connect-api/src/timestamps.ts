import { DataError } from './errors.ts';

const MICROS_PER_SECOND = 1_000_000;

/**
 * The rendered `YYYY-MM-DDTHH:MM:SS` of recent seconds, by second: a row's timestamp columns
 * (and the rows of one transaction or snapshot chunk) repeat their seconds, so most calls only
 * add the fraction. Direct-mapped, so a few columns with different seconds do not evict each other.
 */
const PREFIX_SLOTS = 8;
const prefixSeconds: number[] = new Array<number>(PREFIX_SLOTS).fill(Number.NaN);
const prefixTexts: string[] = new Array<string>(PREFIX_SLOTS).fill('');

function secondPrefix(seconds: number): string {
  const slot = seconds & (PREFIX_SLOTS - 1);
  if (prefixSeconds[slot] === seconds) return prefixTexts[slot] as string;
  // Only safe integers of µs come here: years 1684–2255, always `YYYY-MM-DDTHH:MM:SS`.
  const text = new Date(seconds * 1000).toISOString().slice(0, -5);
  prefixSeconds[slot] = seconds;
  prefixTexts[slot] = text;
  return text;
}

/**
 * The infinity sentinels, as Debezium writes PostgreSQL's `infinity` / `-infinity`: int64 max/min
 * microseconds for timestamps, int32 max/min days for dates.
 */
export const INFINITY_MICROS = 9_223_372_036_854_775_807n;
export const NEG_INFINITY_MICROS = -9_223_372_036_854_775_808n;
export const INFINITY_DAYS = 2_147_483_647;
export const NEG_INFINITY_DAYS = -2_147_483_648;

/**
 * Microseconds since the epoch → `YYYY-MM-DDTHH:MM:SS.ffffffZ` (timestamptz), over PostgreSQL's
 * whole range: at least four year digits, more past 9999, BC years as PostgreSQL prints them
 * (`4713-01-01T00:00:00.000000Z BC`), and the sentinels as `infinity` / `-infinity`.
 */
export function microsToIso(micros: number | bigint): string {
  const common = commonIso(micros);
  return common === undefined ? fullRangeIso(micros, 'Z') : `${common}Z`;
}

/** Microseconds since the epoch → `YYYY-MM-DDTHH:MM:SS.ffffff` (timestamp without time zone), as microsToIso. */
export function microsToLocalIso(micros: number | bigint): string {
  return commonIso(micros) ?? fullRangeIso(micros, '');
}

/**
 * The fast path: a safe integer (years 1684–2255), by the second's cached text and the
 * fraction; undefined for anything else, which fullRangeIso renders.
 */
function commonIso(micros: number | bigint): string | undefined {
  if (typeof micros === 'bigint') {
    if (micros < BigInt(Number.MIN_SAFE_INTEGER) || micros > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    micros = Number(micros);
  } else if (!Number.isSafeInteger(micros)) {
    return undefined;
  }
  // Exact in doubles: % of integers is exact, and micros - fraction is a multiple of 10^6 below 2^54.
  let fraction = micros % MICROS_PER_SECOND;
  if (fraction < 0) fraction += MICROS_PER_SECOND;
  const seconds = (micros - fraction) / MICROS_PER_SECOND;
  return `${secondPrefix(seconds)}.${String(fraction).padStart(6, '0')}`;
}

const MICROS_PER_DAY = 86_400_000_000n;

/** Any integer (BigInt refuses a fraction, NaN and infinities with a RangeError), by civil arithmetic: no Date and its limits. */
function fullRangeIso(micros: number | bigint, zone: string): string {
  const us = BigInt(micros);
  if (us === INFINITY_MICROS) return 'infinity';
  if (us === NEG_INFINITY_MICROS) return '-infinity';
  let days = us / MICROS_PER_DAY;
  let rest = us % MICROS_PER_DAY;
  if (rest < 0n) {
    rest += MICROS_PER_DAY;
    days -= 1n;
  }
  const { year, date } = civilDate(Number(days));
  return `${date}T${timeOfDay(Number(rest))}${zone}${year <= 0 ? ' BC' : ''}`;
}

/** Days since 1970 → `YYYY-MM-DD` (`YYYY-MM-DD BC` before year 1) as PostgreSQL prints a date; the sentinels as `infinity` / `-infinity`. */
export function daysToIsoDate(days: number): string {
  if (days === INFINITY_DAYS) return 'infinity';
  if (days === NEG_INFINITY_DAYS) return '-infinity';
  if (!Number.isSafeInteger(days)) throw new RangeError(`${days} is not a whole number of days`);
  const { year, date } = civilDate(days);
  return year <= 0 ? `${date} BC` : date;
}

/** Microseconds since midnight → `HH:MM:SS.ffffff`; PostgreSQL's `24:00:00` (the end of the day) is kept, never wrapped to 00:00. */
export function microsToTimeOfDay(micros: number | bigint): string {
  const us = Number(micros);
  if (!Number.isSafeInteger(us) || us < 0 || us > 86_400_000_000) throw new RangeError(`${micros} µs is not a time of day`);
  return timeOfDay(us);
}

function timeOfDay(us: number): string {
  const fraction = us % MICROS_PER_SECOND;
  const seconds = (us - fraction) / MICROS_PER_SECOND;
  const s = seconds % 60;
  const minutes = (seconds - s) / 60;
  const m = minutes % 60;
  const h = (minutes - m) / 60;
  return `${two(h)}:${two(m)}:${two(s)}.${String(fraction).padStart(6, '0')}`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Days since 1970 → the proleptic Gregorian date PostgreSQL prints (its calendar too), with the
 * astronomical `year` (0 is 1 BC) and `date` as `YYYY-MM-DD` where YYYY is the year number
 * (BC years counted back from 1), at least four digits. Howard Hinnant's civil_from_days.
 */
function civilDate(days: number): { year: number; date: string } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1_460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const shown = year <= 0 ? 1 - year : year;
  return { year, date: `${String(shown).padStart(4, '0')}-${two(month)}-${two(day)}` };
}

const ISO_MICROS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/;

/** ISO-8601 (up to microseconds, with a zone) → microseconds since the epoch. */
export function isoToMicros(text: string): number {
  const match = ISO_MICROS.exec(text);
  if (!match) throw new DataError(`"${text}" is not an ISO-8601 timestamp with a zone`);
  const [, base, fraction = '', zone] = match;
  const millis = Date.parse(`${base}${zone}`);
  if (Number.isNaN(millis)) throw new DataError(`"${text}" is not a valid timestamp`);
  return millis * 1000 + Number(fraction.padEnd(6, '0'));
}

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
  // Throws a RangeError past the range of Date, as it always has; nothing is cached then.
  // Up to the milliseconds: `YYYY-MM-DDTHH:MM:SS`, or `±YYYYYY-…` past year 9999 and before year 0.
  const text = new Date(seconds * 1000).toISOString().slice(0, -5);
  prefixSeconds[slot] = seconds;
  prefixTexts[slot] = text;
  return text;
}

/** Microseconds since the epoch → ISO-8601 with exactly six fractional digits, UTC. */
export function microsToIso(micros: number | bigint): string {
  if (typeof micros === 'bigint') {
    if (micros < BigInt(Number.MIN_SAFE_INTEGER) || micros > BigInt(Number.MAX_SAFE_INTEGER)) return bigMicrosToIso(micros);
    micros = Number(micros);
  } else if (!Number.isSafeInteger(micros)) {
    return bigMicrosToIso(micros); // BigInt refuses a fraction, NaN and infinities with a RangeError
  }
  // Exact in doubles: % of integers is exact, and micros - fraction is a multiple of 10^6 below 2^54.
  let fraction = micros % MICROS_PER_SECOND;
  if (fraction < 0) fraction += MICROS_PER_SECOND;
  const seconds = (micros - fraction) / MICROS_PER_SECOND;
  return `${secondPrefix(seconds)}.${String(fraction).padStart(6, '0')}Z`;
}

/** The general case: any integer, as a BigInt. */
function bigMicrosToIso(micros: number | bigint): string {
  const us = BigInt(micros);
  let seconds = us / 1_000_000n;
  let fraction = us % 1_000_000n;
  if (fraction < 0n) {
    fraction += 1_000_000n;
    seconds -= 1n;
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, -5);
  return `${base}.${fraction.toString().padStart(6, '0')}Z`;
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

import { DataError } from './errors.ts';

/** Microseconds since the epoch → ISO-8601 with exactly six fractional digits, UTC. */
export function microsToIso(micros: number | bigint): string {
  const us = BigInt(micros);
  let seconds = us / 1_000_000n;
  let fraction = us % 1_000_000n;
  if (fraction < 0n) {
    fraction += 1_000_000n;
    seconds -= 1n;
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
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

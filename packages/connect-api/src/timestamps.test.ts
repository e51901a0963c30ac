import { describe, expect, it } from 'vitest';
import { isoToMicros, microsToIso } from './index.ts';

/** The rendering by BigInt arithmetic that microsToIso had before its fast path: it must give the same text for every input. */
function reference(micros: number | bigint): string {
  const us = BigInt(micros);
  let seconds = us / 1_000_000n;
  let fraction = us % 1_000_000n;
  if (fraction < 0n) {
    fraction += 1_000_000n;
    seconds -= 1n;
  }
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, -5)}.${fraction.toString().padStart(6, '0')}Z`;
}

/** mulberry32: a tiny seeded PRNG, so a failing input can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in microseconds: the four-digit years (past 2^53, so bigints). */
const YEAR_0 = -62_167_219_200_000_000n;
const YEAR_10000 = 253_402_300_800_000_000n;

describe('microsToIso', () => {
  it('renders six fractional digits, UTC, before and after the epoch', () => {
    expect(microsToIso(0)).toBe('1970-01-01T00:00:00.000000Z');
    expect(microsToIso(-0)).toBe('1970-01-01T00:00:00.000000Z');
    expect(microsToIso(1_700_000_000_123_456)).toBe('2023-11-14T22:13:20.123456Z');
    expect(microsToIso(1_700_000_000_000_007)).toBe('2023-11-14T22:13:20.000007Z');
    expect(microsToIso(-1)).toBe('1969-12-31T23:59:59.999999Z');
    expect(microsToIso(-1_000_000)).toBe('1969-12-31T23:59:59.000000Z');
    expect(microsToIso(-1_000_001)).toBe('1969-12-31T23:59:58.999999Z');
    expect(microsToIso(-2_208_988_800_000_000)).toBe('1900-01-01T00:00:00.000000Z');
    // The ends of the safe integers, about 285 years either side of 1970.
    expect(microsToIso(Number.MAX_SAFE_INTEGER)).toBe('2255-06-05T23:47:34.740991Z');
    expect(microsToIso(Number.MIN_SAFE_INTEGER)).toBe('1684-07-28T00:12:25.259009Z');
  });

  it('renders a bigint like the number it stands for, also past 2^53 microseconds', () => {
    expect(microsToIso(1_700_000_000_123_456n)).toBe('2023-11-14T22:13:20.123456Z');
    expect(microsToIso(-1n)).toBe('1969-12-31T23:59:59.999999Z');
    expect(microsToIso(2n ** 53n + 1n)).toBe('2255-06-05T23:47:34.740993Z');
    expect(microsToIso(2 ** 53 + 2)).toBe('2255-06-05T23:47:34.740994Z');
    expect(microsToIso(YEAR_0)).toBe('0000-01-01T00:00:00.000000Z');
    expect(microsToIso(YEAR_10000 - 1n)).toBe('9999-12-31T23:59:59.999999Z');
  });

  it('gives the same text as BigInt arithmetic for any integer, however the seconds repeat', () => {
    const rand = prng(11);
    const inputs: (number | bigint)[] = [
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      2 ** 53, // not a safe integer: the BigInt path
      -(2 ** 53),
      YEAR_10000, // the year 10000 (toISOString writes +010000)
      YEAR_0 - 1n,
      BigInt(Number.MAX_SAFE_INTEGER),
      BigInt(Number.MIN_SAFE_INTEGER),
    ];
    for (let i = 0; i < 5_000; i++) {
      // Timestamps near each other (cache hits and collisions), anywhere in the four-digit years, and at second edges.
      const base = 1_700_000_000_000_000 + Math.floor(rand() * 20) * 1_000_000;
      inputs.push(base + Math.floor(rand() * 1_000_000));
      inputs.push(YEAR_0 + BigInt(Math.floor(rand() * Number(YEAR_10000 - YEAR_0))));
      inputs.push(Math.floor(rand() * 4_000_000_000) * 1_000_000 * (rand() < 0.5 ? -1 : 1) + (rand() < 0.5 ? 0 : -1));
    }
    for (const micros of inputs) expect(microsToIso(micros), String(micros)).toBe(reference(micros));
  });

  it('refuses what is not an integer, and what Date cannot hold, as before', () => {
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => microsToIso(bad)).toThrow(RangeError);
      expect(() => reference(bad)).toThrow(RangeError);
    }
    // Past ±8.64e15 ms (only reachable past 2^53 µs) Date is invalid: toISOString throws, and the next valid input still renders.
    expect(() => microsToIso(8_640_000_000_001_000_000)).toThrow(RangeError);
    expect(() => microsToIso(-8_640_000_000_001_000_000n)).toThrow(RangeError);
    expect(microsToIso(1_700_000_000_123_456)).toBe('2023-11-14T22:13:20.123456Z');
  });

  it('keeps the seconds of years past 9999 and before year 0 (extended ISO years)', () => {
    expect(microsToIso(YEAR_10000 + 1_500_000n)).toBe('+010000-01-01T00:00:01.500000Z');
    expect(microsToIso(YEAR_0 - 1n)).toBe('-000001-12-31T23:59:59.999999Z');
    expect(microsToIso(8_640_000_000_000_000_000n)).toBe('+275760-09-13T00:00:00.000000Z'); // the last second Date holds
  });

  it('parses back to the same microsecond', () => {
    for (const micros of [0, -1, 1_700_000_000_123_456, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]) expect(isoToMicros(microsToIso(micros))).toBe(micros);
  });
});

import { describe, expect, it } from 'vitest';
import { daysToIsoDate, isoToMicros, microsToIso, microsToLocalIso, microsToTimeOfDay } from './index.ts';

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
/** 0001-01-01T00:00:00Z: year 0 is 1 BC, so the reference (toISOString) agrees with the rendering from year 1 on. */
const YEAR_1 = -62_135_596_800_000_000n;
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
    expect(microsToIso(YEAR_1)).toBe('0001-01-01T00:00:00.000000Z');
    expect(microsToIso(YEAR_10000 - 1n)).toBe('9999-12-31T23:59:59.999999Z');
  });

  it('gives the same text as BigInt arithmetic for any integer, however the seconds repeat', () => {
    const rand = prng(11);
    const inputs: (number | bigint)[] = [
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      2 ** 53, // not a safe integer: the BigInt path
      -(2 ** 53),
      YEAR_10000 - 1n,
      YEAR_1,
      BigInt(Number.MAX_SAFE_INTEGER),
      BigInt(Number.MIN_SAFE_INTEGER),
    ];
    for (let i = 0; i < 5_000; i++) {
      // Timestamps near each other (cache hits and collisions), anywhere in the four-digit years, and at second edges.
      const base = 1_700_000_000_000_000 + Math.floor(rand() * 20) * 1_000_000;
      inputs.push(base + Math.floor(rand() * 1_000_000));
      inputs.push(YEAR_1 + BigInt(Math.floor(rand() * Number(YEAR_10000 - YEAR_1))));
      inputs.push(Math.floor(rand() * 4_000_000_000) * 1_000_000 * (rand() < 0.5 ? -1 : 1) + (rand() < 0.5 ? 0 : -1));
    }
    for (const micros of inputs) expect(microsToIso(micros), String(micros)).toBe(reference(micros));
  }, 60_000); // 15,000 values, each also rendered by BigInt arithmetic: seconds when the 2 cores are shared with the other packages' tests

  it('refuses what is not an integer', () => {
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => microsToIso(bad)).toThrow(RangeError);
      expect(() => reference(bad)).toThrow(RangeError);
    }
    expect(microsToIso(1_700_000_000_123_456)).toBe('2023-11-14T22:13:20.123456Z');
  });

  it("renders PostgreSQL's whole range: years past 9999 with more digits, BC years with a BC suffix (no Date limit)", () => {
    expect(microsToIso(YEAR_10000 + 1_500_000n)).toBe('10000-01-01T00:00:01.500000Z');
    // Debezium's type-test values: year 21016, 294247 (the last µs int64 holds is in it), 4713 BC (PostgreSQL's first year).
    // (The microseconds are PostgreSQL's own: extract(epoch from timestamptz '…') * 1000000.)
    expect(microsToIso(601_033_651_200_000_000n)).toBe('21016-01-01T00:00:00.000000Z');
    expect(microsToIso(9_223_371_331_199_999_999n)).toBe('294247-01-01T23:59:59.999999Z');
    expect(microsToIso(9_223_372_036_854_775_806n)).toBe('294247-01-10T04:00:54.775806Z');
    expect(microsToIso(-210_835_180_800_000_000n)).toBe('4713-11-24T00:00:00.000000Z BC');
    expect(microsToIso(-210_863_520_000_000_000n)).toBe('4713-01-01T00:00:00.000000Z BC');
    expect(microsToIso(YEAR_0)).toBe('0001-01-01T00:00:00.000000Z BC'); // astronomical year 0 is 1 BC
    expect(microsToIso(YEAR_0 - 1n)).toBe('0002-12-31T23:59:59.999999Z BC');
    expect(microsToIso(YEAR_1 - 1n)).toBe('0001-12-31T23:59:59.999999Z BC');
    expect(microsToIso(YEAR_1)).toBe('0001-01-01T00:00:00.000000Z');
  });

  it('renders the infinity sentinels (int64 max and min microseconds) as infinity and -infinity', () => {
    expect(microsToIso(9_223_372_036_854_775_807n)).toBe('infinity');
    expect(microsToIso(-9_223_372_036_854_775_808n)).toBe('-infinity');
    expect(microsToLocalIso(9_223_372_036_854_775_807n)).toBe('infinity');
    expect(microsToLocalIso(-9_223_372_036_854_775_808n)).toBe('-infinity');
  });

  it('parses back to the same microsecond', () => {
    for (const micros of [0, -1, 1_700_000_000_123_456, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]) expect(isoToMicros(microsToIso(micros))).toBe(micros);
  });
});

describe('microsToLocalIso, daysToIsoDate, microsToTimeOfDay', () => {
  it('render timestamp without zone, date and time as PostgreSQL does, over its whole range', () => {
    expect(microsToLocalIso(1_700_000_000_000_001)).toBe('2023-11-14T22:13:20.000001');
    expect(microsToLocalIso(-210_863_520_000_000_000n)).toBe('4713-01-01T00:00:00.000000 BC');
    expect(microsToLocalIso(YEAR_10000)).toBe('10000-01-01T00:00:00.000000');
    expect(daysToIsoDate(0)).toBe('1970-01-01');
    expect(daysToIsoDate(-1)).toBe('1969-12-31');
    expect(daysToIsoDate(-719_162)).toBe('0001-01-01');
    expect(daysToIsoDate(-719_163)).toBe('0001-12-31 BC');
    // (The days are PostgreSQL's own: date '…' - date '1970-01-01'.)
    expect(daysToIsoDate(-2_440_222)).toBe('4713-11-24 BC');
    expect(daysToIsoDate(6_956_408)).toBe('21016-01-01');
    expect(daysToIsoDate(2_145_042_905)).toBe('5874897-12-31'); // date's last day
    expect(daysToIsoDate(2_147_483_647)).toBe('infinity');
    expect(daysToIsoDate(-2_147_483_648)).toBe('-infinity');
    expect(microsToTimeOfDay(0)).toBe('00:00:00.000000');
    expect(microsToTimeOfDay(86_399_999_999)).toBe('23:59:59.999999');
    expect(microsToTimeOfDay(86_400_000_000)).toBe('24:00:00.000000');
    expect(microsToTimeOfDay(45_296_789_012n)).toBe('12:34:56.789012');
  });

  it('gives the dates Date gives over its range', () => {
    for (let days = -1_000_000; days < 3_000_000; days += 997) {
      const d = new Date(days * 86_400_000);
      if (d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999) continue;
      expect(daysToIsoDate(days)).toBe(d.toISOString().slice(0, 10));
    }
  });
});


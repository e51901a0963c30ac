import { describe, expect, it } from 'vitest';
import { exactJson } from './exact-json.ts';

describe('exactJson', () => {
  it('writes what JSON.stringify writes for every value it can write exactly', () => {
    const values: unknown[] = [
      null,
      true,
      'a "q" \\ \n \u0001 \u2028 😀',
      1.5,
      1e21,
      -1e-7,
      Number.NaN,
      [1, undefined, () => 1, null, [2, [3]]],
      { a: 1, 'k "x"': { b: [true, { c: 'd' }] }, skipped: undefined, '1': 'integer-like key first' },
      Buffer.from([0, 255]),
      { big: [], empty: {} },
    ];
    for (const v of values) expect(exactJson(v), JSON.stringify(v)).toBe(JSON.stringify(v));
    expect(exactJson(undefined)).toBeUndefined();
  });

  it('writes a bigint as its digits and -0 as -0, at any depth', () => {
    expect(exactJson(9_223_372_036_854_775_807n)).toBe('9223372036854775807');
    expect(exactJson(-0)).toBe('-0');
    expect(exactJson({ id: -9_223_372_036_854_775_808n, xs: [1_550_166_368_505_037_572n, -0, 0], n: { z: -0 } })).toBe(
      '{"id":-9223372036854775808,"xs":[1550166368505037572,-0,0],"n":{"z":-0}}',
    );
  });
});

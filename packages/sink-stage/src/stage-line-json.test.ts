import { describe, expect, it } from 'vitest';
import { parseStageLine } from './stage-line-json.ts';

describe('parseStageLine', () => {
  it('reads an integer beyond 2^53 exactly, as a bigint (JSON.parse rounds it), anywhere in the line', () => {
    const line = '{"id":1550166368505037572,"ids":[9223372036854775807,-9223372036854775808,7],"n":{"m":12345678901234567},"__op":"c"}';
    expect(parseStageLine(line)).toEqual({
      id: 1_550_166_368_505_037_572n,
      ids: [9_223_372_036_854_775_807n, -9_223_372_036_854_775_808n, 7],
      n: { m: 12_345_678_901_234_567n },
      __op: 'c',
    });
  });

  it('leaves strings, floats and safe integers as JSON.parse reads them', () => {
    const line = '{"s":"12345678901234567890 \\" 99999999999999999","f":1.2345678901234567,"e":1e+21,"x":-0,"k":9007199254740991}';
    const parsed = parseStageLine(line);
    expect(parsed).toEqual(JSON.parse(line));
    expect(Object.is(parsed.x, -0)).toBe(true);
  });

  it('never takes a string for a marked integer, whatever control characters the strings hold', () => {
    const texts = ['\u000112345678901234567890', '\u0002 9', '\u0003'];
    const line = JSON.stringify({ a: texts[0], b: texts[1], c: texts[2] }).replace('}', ',"id":12345678901234567890}');
    expect(parseStageLine(line)).toEqual({ a: texts[0], b: texts[1], c: texts[2], id: 12_345_678_901_234_567_890n });
  });

  it('refuses what is not JSON, as JSON.parse does', () => {
    expect(() => parseStageLine('{"id":12345678901234567890')).toThrow(SyntaxError);
    expect(() => parseStageLine('not json')).toThrow(SyntaxError);
  });
});

import { describe, expect, it } from 'vitest';
import { parseCopyText } from './copy-text.ts';

describe('parseCopyText (COPY … TO STDOUT, text format)', () => {
  it('splits rows at newlines and columns at tabs; \\N is null, an empty field the empty string', () => {
    expect(parseCopyText('1\tabc\t\\N\n2\t\tx\n', 3)).toEqual([
      ['1', 'abc', null],
      ['2', '', 'x'],
    ]);
  });

  it('reads nothing from no output', () => {
    expect(parseCopyText('', 2)).toEqual([]);
  });

  it('undoes the escapes COPY writes: backslash, tab, newline, carriage return, backspace, form feed, vertical tab', () => {
    expect(parseCopyText('a\\\\b\\tc\\nd\\re\\bf\\fg\\vh\t\\\\N\n', 2)).toEqual([['a\\b\tc\nd\re\bf\fg\vh', '\\N']]);
  });

  it('reads octal and hex escapes as bytes of UTF-8, and any other escaped character as itself', () => {
    expect(parseCopyText('\\101\\x42\\303\\251\\xc3\\xa9\t\\q\\.\\"\n', 2)).toEqual([['ABéé', 'q."']]);
  });

  it('keeps text that is not ASCII as it is', () => {
    expect(parseCopyText('日本\tΩ\\t😀\n', 2)).toEqual([['日本', 'Ω\t😀']]);
  });

  it('a bytea in hex output and a JSON string keep their own backslashes', () => {
    expect(parseCopyText('\\\\x00ff\t{"a": "x\\\\"y\\\\\\\\"}\n', 2)).toEqual([['\\x00ff', '{"a": "x\\"y\\\\"}']]);
  });

  it('refuses a row with another number of columns, or output cut short', () => {
    expect(() => parseCopyText('1\t2\n', 3)).toThrow(/3 columns/);
    expect(() => parseCopyText('1\t2\t3\t4\n', 3)).toThrow(/3 columns/);
    expect(() => parseCopyText('1\t2', 2)).toThrow(/newline/);
  });
});

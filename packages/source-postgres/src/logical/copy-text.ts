import { ConnectionError } from '@buyonline/connect-api';

const BACKSLASH = 92;
const TAB = '\t';
const NEWLINE = '\n';

/** What a backslash and this character stand for, besides octal and hex bytes (any other character stands for itself). */
const ESCAPED: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

const isOctal = (c: number) => c >= 48 && c <= 55;
const hexValue = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);

/**
 * The rows of `COPY … TO STDOUT` in text format (decoded from UTF-8), each an array of `columns`
 * values, null for `\N`: a row ends with a newline and its columns are split by tabs. In a value
 * COPY writes a backslash, tab, newline, carriage return, backspace, form feed and vertical tab
 * escaped (`\\`, `\t`, …); a character after a backslash is never a bare tab or newline, so a bare
 * one always ends a value. Octal (`\101`) and hex (`\x41`) escapes, which COPY reads but does not
 * write, are read as bytes of UTF-8 too.
 */
export function parseCopyText(text: string, columns: number): (string | null)[][] {
  const rows: (string | null)[][] = [];
  const end = text.length;
  // The next backslash, found once per stretch of text (not again for each value without one).
  let backslash = text.indexOf('\\');
  if (backslash === -1) backslash = end;
  let at = 0;
  while (at < end) {
    const lineEnd = text.indexOf(NEWLINE, at);
    if (lineEnd === -1) throw new ConnectionError(`COPY output ended inside a row (no newline after ${rows.length} rows): the chunk is read again`);
    const row: (string | null)[] = new Array(columns);
    let column = 0;
    let start = at;
    for (;;) {
      let stop = text.indexOf(TAB, start);
      if (stop === -1 || stop > lineEnd) stop = lineEnd;
      if (column === columns) throw columnCount(rows.length, columns);
      if (backslash < start) {
        backslash = text.indexOf('\\', start);
        if (backslash === -1) backslash = end;
      }
      row[column++] = backslash >= stop ? text.slice(start, stop) : unescapeValue(text, start, stop);
      if (stop === lineEnd) break;
      start = stop + 1;
    }
    if (column !== columns) throw columnCount(rows.length, columns);
    rows.push(row);
    at = lineEnd + 1;
  }
  return rows;
}

function columnCount(row: number, columns: number): ConnectionError {
  return new ConnectionError(`COPY output row ${row + 1} does not have the ${columns} columns selected: the chunk is read again`);
}

/** A value holding a backslash: `\N` is null; escapes are undone. */
function unescapeValue(text: string, start: number, stop: number): string | null {
  if (stop - start === 2 && text.charCodeAt(start + 1) === 78) return null; // \N
  let out = '';
  /** Bytes of octal and hex escapes in a row, decoded together (one character can take several). */
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length === 0) return;
    out += Buffer.from(bytes).toString('utf8');
    bytes = [];
  };
  let i = start;
  while (i < stop) {
    if (text.charCodeAt(i) !== BACKSLASH) {
      let j = text.indexOf('\\', i);
      if (j === -1 || j > stop) j = stop;
      flush();
      out += text.slice(i, j);
      i = j;
      continue;
    }
    if (i + 1 === stop) {
      // never written by COPY: a backslash ending a value stands for itself
      flush();
      out += '\\';
      i++;
      continue;
    }
    const next = text.charCodeAt(i + 1);
    if (isOctal(next)) {
      let value = 0;
      let j = i + 1;
      while (j < stop && j < i + 4 && isOctal(text.charCodeAt(j))) value = value * 8 + (text.charCodeAt(j++) - 48);
      bytes.push(value & 0xff);
      i = j;
      continue;
    }
    if (next === 120 && i + 2 < stop && hexValue(text.charCodeAt(i + 2)) >= 0) {
      // \x and one or two hex digits
      let value = hexValue(text.charCodeAt(i + 2));
      let j = i + 3;
      const low = j < stop ? hexValue(text.charCodeAt(j)) : -1;
      if (low >= 0) {
        value = value * 16 + low;
        j++;
      }
      bytes.push(value);
      i = j;
      continue;
    }
    flush();
    const c = text[i + 1] as string;
    out += ESCAPED[c] ?? c;
    i += 2;
  }
  flush();
  return out;
}

import { DataError } from '@buyonline/connect-api';

/**
 * The elements of PostgreSQL's array text (array_out) when the array is one-dimensional with a
 * lower bound of 1: `{a,NULL,"b c","d\"e"}` → ['a', null, 'b c', 'd"e'], each element's text
 * handed to `element`. Elements are separated by the element type's delimiter (`;` for box, `,`
 * for every other built-in type). Undefined for an array printed with bounds (`[0:2]={…}`) or
 * with more than one dimension (`{{1,2},{3,4}}`): the caller keeps those as their text.
 */
export function oneDimensionalArray<T>(text: string, delimiter: number, element: (text: string) => T): (T | null)[] | undefined {
  if (text.charCodeAt(0) !== 123 /* { */) {
    if (text.charCodeAt(0) === 91 /* [ */) return undefined;
    throw malformed(text, 'does not start with {');
  }
  const length = text.length;
  if (text.charCodeAt(length - 1) !== 125 /* } */) throw malformed(text, 'does not end with }');
  if (length === 2) return [];
  if (text.charCodeAt(1) === 123) return undefined;
  const out: (T | null)[] = [];
  let i = 1;
  for (;;) {
    let end: number;
    if (text.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let from = i + 1;
      let j = from;
      for (;;) {
        const c = text.charCodeAt(j);
        if (Number.isNaN(c)) throw malformed(text, 'has an unterminated quoted element');
        if (c === 92 /* \ */) {
          value += text.slice(from, j);
          from = j + 1;
          j += 2;
        } else if (c === 34) break;
        else j++;
      }
      value += text.slice(from, j);
      out.push(element(value));
      end = j + 1;
    } else {
      end = i;
      for (;;) {
        const c = text.charCodeAt(end);
        if (c === delimiter || c === 125) break;
        if (Number.isNaN(c) || c === 123 || c === 34) throw malformed(text, `has an unexpected character at ${end}`);
        end++;
      }
      const raw = text.slice(i, end);
      if (raw.length === 0) throw malformed(text, `has an empty element at ${i}`);
      out.push(raw.length === 4 && raw.toUpperCase() === 'NULL' ? null : element(raw));
    }
    const next = text.charCodeAt(end);
    if (next === 125) {
      if (end !== length - 1) throw malformed(text, `has text after its closing } at ${end}`);
      return out;
    }
    if (next !== delimiter) throw malformed(text, `expected the delimiter ${JSON.stringify(String.fromCharCode(delimiter))} at ${end}`);
    i = end + 1;
  }
}

function malformed(text: string, why: string): DataError {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return new DataError(`array text "${shown}" ${why}`);
}

/** A JSON integer literal with more than 15 digits: maybe beyond 2^53, so read as a BigInt. */
const LONG_INTEGER = /-?\d{16,}/;

/**
 * One stage line → its object, as JSON.parse reads it, except that an integer literal beyond
 * 2^53 (an int64 the sink wrote as its digits, contract C1) becomes an exact bigint instead of
 * a rounded number. Lines without such a literal (nearly all) take JSON.parse alone.
 */
export function parseStageLine(line: string): Record<string, unknown> {
  if (!LONG_INTEGER.test(line)) return JSON.parse(line) as Record<string, unknown>;
  // Each long integer outside a string is quoted behind a marker, a control character that no
  // string of the line holds (JSON text holds one only escaped, and its escape is not in the
  // line), then turned back into a bigint by the reviver.
  const marker = unusedControl(line);
  if (marker === undefined) throw new SyntaxError('a stage line holding every control character escaped and an integer beyond 2^53 cannot be read exactly');
  const escaped = `\\u${marker.toString(16).padStart(4, '0')}`;
  let quoted = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // a backslash escapes the next character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    if (c !== 45 && (c < 48 || c > 57)) continue;
    let end = i + 1;
    while (end < line.length && isNumberChar(line.charCodeAt(end))) end++;
    const token = line.slice(i, end);
    if (/^-?\d{16,}$/.test(token)) {
      const value = BigInt(token);
      if (value < MIN_SAFE || value > MAX_SAFE) {
        quoted += `${line.slice(from, i)}"${escaped}${token}"`;
        from = end;
      }
    }
    i = end - 1;
  }
  if (from === 0) return JSON.parse(line) as Record<string, unknown>;
  quoted += line.slice(from);
  return JSON.parse(quoted, (_key, value: unknown) =>
    typeof value === 'string' && value.charCodeAt(0) === marker ? BigInt(value.slice(1)) : value,
  ) as Record<string, unknown>;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45; // digits . e E + -
}

/** A control character (not one with a short escape such as \\n) whose \\u escape the line does not hold, in either case. */
function unusedControl(line: string): number | undefined {
  const lower = line.toLowerCase();
  for (let code = 1; code < 32; code++) {
    if (code === 8 || code === 9 || code === 10 || code === 12 || code === 13) continue;
    if (!lower.includes(`\\u${code.toString(16).padStart(4, '0')}`)) return code;
  }
  return undefined;
}

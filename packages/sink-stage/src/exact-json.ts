/**
 * JSON text as JSON.stringify writes it, except for the two values it gets wrong for a stage
 * line: a bigint is written as its bare digits (JSON.stringify throws) and -0 as `-0` (it writes
 * `0`). Slower than JSON.stringify, so used only for a value that holds one of them.
 */
export function exactJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (value === 0 && 1 / value < 0) return '-0';
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : objectJson(value);
    default:
      return undefined; // undefined, functions and symbols: left out, as JSON.stringify does
  }
}

function objectJson(value: object): string | undefined {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return exactJson(toJSON.call(value));
  if (Array.isArray(value)) return `[${value.map((item) => exactJson(item) ?? 'null').join(',')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value)) {
    const text = exactJson((value as Record<string, unknown>)[key]);
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

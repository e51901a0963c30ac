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

/** `"name":` of the field names seen (a table's columns repeat on every line); emptied when it grows past the limit. */
const keyTexts = new Map<string, string>();
const KEY_TEXTS_LIMIT = 10_000;

function keyText(key: string): string {
  let text = keyTexts.get(key);
  if (text === undefined) {
    if (keyTexts.size >= KEY_TEXTS_LIMIT) keyTexts.clear();
    text = `${JSON.stringify(key)}:`;
    keyTexts.set(key, text);
  }
  return text;
}

function objectJson(value: object): string | undefined {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return exactJson(toJSON.call(value));
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += `${i === 0 ? '' : ','}${exactJson(value[i]) ?? 'null'}`;
    return `${text}]`;
  }
  let text = '{';
  for (const key of Object.keys(value)) {
    const item = exactJson((value as Record<string, unknown>)[key]);
    if (item !== undefined) text += `${text.length === 1 ? '' : ','}${keyText(key)}${item}`;
  }
  return `${text}}`;
}

/**
 * Reads a plugin's zod schema the way help and the pipeline file need it: the keys of its object,
 * each key's description and default, and the keys of an input the schema does not know. Works on
 * the structure every zod 4 schema carries (`_zod.def`), so a plugin built with its own copy of
 * zod is read the same.
 */

interface Def {
  type: string;
  shape?: Record<string, unknown>;
  catchall?: unknown;
  innerType?: unknown;
  in?: unknown;
  out?: unknown;
  element?: unknown;
  options?: unknown[];
  discriminator?: string;
  getter?: () => unknown;
  values?: unknown[];
  defaultValue?: unknown;
}

function defOf(schema: unknown): Def | undefined {
  const def = (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
  return def && typeof def.type === 'string' ? def : undefined;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional', 'success']);

/** The schema an input is checked against first: through optional/default/…, a preprocess or a transform. */
function unwrap(schema: unknown): unknown {
  for (let depth = 0; depth < 32; depth++) {
    const def = defOf(schema);
    if (!def) return schema;
    if (WRAPPERS.has(def.type)) schema = def.innerType;
    else if (def.type === 'pipe') schema = defOf(def.in)?.type === 'transform' ? def.out : def.in;
    else if (def.type === 'lazy' && def.getter) schema = def.getter();
    else return schema;
  }
  return schema;
}

/** The object schemas behind `schema` (one, or one per branch of a union); empty when it is no object. */
function objectsOf(schema: unknown): Def[] {
  const def = defOf(unwrap(schema));
  if (!def) return [];
  if (def.type === 'object') return [def];
  if (def.type === 'union') return (def.options ?? []).flatMap(objectsOf);
  return [];
}

/** The keys of a config schema, in declaration order (a union's branches merged). */
export function configKeys(schema: unknown): string[] {
  return [...new Set(objectsOf(schema).flatMap((def) => Object.keys(def.shape ?? {})))];
}

/** The schema of one key of a config schema (the first branch of a union that has it). */
export function fieldSchema(schema: unknown, key: string): unknown {
  for (const def of objectsOf(schema)) if (def.shape && key in def.shape) return def.shape[key];
  return undefined;
}

export interface FieldInfo {
  description: string | undefined;
  /** The default value (output form), undefined when the key has none. */
  defaultValue: unknown;
  required: boolean;
  /** The key takes a list: a comma-separated environment variable is split. */
  list: boolean;
}

/** What help says about one field. */
export function fieldInfo(field: unknown): FieldInfo {
  let description: string | undefined;
  let defaultValue: unknown;
  let required = true;
  let schema = field;
  for (let depth = 0; depth < 32; depth++) {
    description ??= (schema as { description?: string } | undefined)?.description;
    const def = defOf(schema);
    if (!def) break;
    if (def.type === 'default' || def.type === 'prefault') {
      defaultValue ??= def.defaultValue;
      required = false;
    }
    if (def.type === 'optional') required = false;
    const next = unwrapOnce(def);
    if (next === undefined) break;
    schema = next;
  }
  return { description, defaultValue, required, list: defOf(unwrap(field))?.type === 'array' };
}

function unwrapOnce(def: Def): unknown {
  if (WRAPPERS.has(def.type)) return def.innerType;
  if (def.type === 'pipe') return defOf(def.in)?.type === 'transform' ? def.out : def.in;
  return undefined;
}

/**
 * Keys of `value` that `schema` does not declare, as paths (`tables[2].colour`), walking objects,
 * arrays and discriminated unions. zod's objects strip unknown keys silently; a pipeline file must
 * not: a misspelt key would be a setting that is quietly not applied. Objects that accept any key
 * (`z.looseObject`, `catchall`) and records are left alone.
 */
export function unknownKeys(schema: unknown, value: unknown, path: (string | number)[] = []): (string | number)[][] {
  const def = defOf(unwrap(schema));
  if (!def || value === null || typeof value !== 'object') return [];
  if (def.type === 'array' && Array.isArray(value)) return value.flatMap((item, i) => unknownKeys(def.element, item, [...path, i]));
  if (def.type === 'union') {
    const branch = def.discriminator === undefined ? undefined : (def.options ?? []).find((o) => discriminates(o, def.discriminator as string, value));
    return branch === undefined ? [] : unknownKeys(branch, value, path);
  }
  if (def.type !== 'object' || Array.isArray(value)) return [];
  const shape = def.shape ?? {};
  const open = def.catchall !== undefined && defOf(def.catchall)?.type !== 'never';
  const found: (string | number)[][] = [];
  for (const [key, item] of Object.entries(value)) {
    if (key in shape) found.push(...unknownKeys(shape[key], item, [...path, key]));
    else if (!open) found.push([...path, key]);
  }
  return found;
}

/** Whether `value[key]` picks this branch of a discriminated union (a literal, or a default literal when absent). */
function discriminates(option: unknown, key: string, value: object): boolean {
  const field = fieldSchema(option, key);
  const given = (value as Record<string, unknown>)[key];
  const info = fieldInfo(field);
  const literal = defOf(unwrap(field));
  const accepted = literal?.type === 'literal' ? (literal.values ?? []) : [];
  return given === undefined ? info.defaultValue !== undefined && accepted.includes(info.defaultValue) : accepted.includes(given);
}

/** `['tables', 2, 'name']` → `tables[2].name`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out;
}

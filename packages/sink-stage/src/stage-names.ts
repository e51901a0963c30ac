import type { AvroSchema } from '@buyonline/connect-api';
import { PG_PROPERTIES } from '@buyonline/schemas';

/**
 * Column names in stage lines (docs/naming.md). A source that had to change a column's name
 * for Avro keeps the original in the field property `buyonline.pg.name`; a stage line names
 * the column by that original. Metadata keys (`__op`, `__deleted`, `__source`,
 * `__processed_at`, `__unchanged_toast`, `__kafka`) are a reserved namespace: a column whose
 * name starts with `__` gets one more `_` in front (`__op` → `___op`, `__proto__` →
 * `___proto__`). The rule is one-to-one, and no stage name is a metadata key or `__proto__`.
 */

/** The Avro field property holding a column's original (PostgreSQL) name when its field name differs. */
export const ORIGINAL_NAME = PG_PROPERTIES.name;

/** The key of a column in a stage line, from its original name. */
export function stageName(original: string): string {
  return original.charCodeAt(0) === 95 && original.charCodeAt(1) === 95 ? `_${original}` : original;
}

/** A field's original name: its `buyonline.pg.name` property, else its Avro name. */
export function originalName(field: { name: string } & Record<string, unknown>): string {
  const original = field[ORIGINAL_NAME];
  return typeof original === 'string' ? original : field.name;
}

type AvroField = { name: string; type: unknown } & Record<string, unknown>;

function fieldsOf(type: unknown): AvroField[] | undefined {
  const record = type as { fields?: unknown } | null;
  return record !== null && typeof record === 'object' && Array.isArray(record.fields) ? (record.fields as AvroField[]) : undefined;
}

/** The row record's fields: a change envelope's before/after record (the one defined inline), or the value's own fields. */
function rowFields(valueSchema: AvroSchema): AvroField[] {
  const top = fieldsOf(valueSchema) ?? [];
  if (!top.some((f) => f.name === 'op')) return top;
  for (const image of top.filter((f) => f.name === 'before' || f.name === 'after')) {
    const branches = Array.isArray(image.type) ? image.type : [image.type];
    for (const branch of branches) {
      const fields = fieldsOf(branch);
      if (fields) return fields;
    }
  }
  return [];
}

/**
 * Avro field name → stage name, for the fields of a value schema whose stage name differs from
 * the field name (empty when none does); null without a schema (then the `__` rule alone).
 */
export type StageNames = ReadonlyMap<string, string> | null;

const NONE_RENAMED: ReadonlyMap<string, string> = new Map();
const bySchema = new WeakMap<AvroSchema, ReadonlyMap<string, string>>();
let lastSchema: AvroSchema | undefined;
let lastNames: ReadonlyMap<string, string> = NONE_RENAMED;

/** The renamed fields of a value schema's row (computed once per schema object: the deserializer shares one per schema id). */
export function stageNamesOf(valueSchema: AvroSchema | undefined): StageNames {
  if (valueSchema === undefined) return null;
  if (valueSchema === lastSchema) return lastNames;
  let names = bySchema.get(valueSchema);
  if (names === undefined) {
    const renamed = new Map<string, string>();
    for (const field of rowFields(valueSchema)) {
      const name = stageName(originalName(field));
      if (name !== field.name) renamed.set(field.name, name);
    }
    names = renamed.size === 0 ? NONE_RENAMED : renamed;
    bySchema.set(valueSchema, names);
  }
  lastSchema = valueSchema;
  lastNames = names;
  return names;
}

/** Whether every field of records of that schema keeps its name (the common case: nothing to look up). */
export const keepsNames = (names: StageNames): boolean => names !== null && names.size === 0;

/** The stage name of a field of a record decoded with the schema `names` came from (a field the schema does not rename: the `__` rule alone). */
export function fieldStageName(names: StageNames, field: string): string {
  return (names === null ? undefined : names.get(field)) ?? stageName(field);
}

/**
 * A key record with its fields under their stage names (the same object when none changes);
 * anything else as it is. The source's key fields are row fields, so a schema renaming none
 * leaves the key alone.
 */
export function stageKey(key: unknown, names: StageNames): unknown {
  if (keepsNames(names) || key === null || typeof key !== 'object' || Array.isArray(key) || Buffer.isBuffer(key)) return key;
  const fields = Object.keys(key);
  let same = true;
  for (const k of fields) same &&= fieldStageName(names, k) === k;
  if (same) return key;
  const out: Record<string, unknown> = {};
  for (const k of fields) out[fieldStageName(names, k)] = (key as Record<string, unknown>)[k];
  return out;
}

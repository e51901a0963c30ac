import { type AvroSchema, DataError } from '@buyonline/connect-api';

/** A field of an Avro record, as parsed JSON. */
export interface AvroField {
  name: string;
  type: unknown;
  default?: unknown;
  doc?: string;
  aliases?: string[];
  [attribute: string]: unknown;
}

/** An Avro record schema, as parsed JSON. */
export interface AvroRecord {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: AvroField[];
  [attribute: string]: unknown;
}

function isRecord(schema: unknown): schema is AvroRecord {
  return typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'record' && Array.isArray((schema as { fields?: unknown }).fields);
}

function schemaName(schema: AvroSchema): string {
  const { name, namespace } = schema as { name?: unknown; namespace?: unknown };
  return typeof namespace === 'string' && typeof name === 'string' ? `${namespace}.${name}` : String(name ?? '(unnamed)');
}

/** The envelope's record schema and where in it the row record is defined (the `before` field's union). */
export interface RowSchemaParts {
  envelope: AvroRecord;
  beforeIndex: number;
  /** The position of the row record inside the `before` union (`['null', row]`: 1). */
  branch: number;
  row: AvroRecord;
}

/**
 * Finds the row record of a change envelope's value schema: defined in `before`
 * (`['null', {type: 'record', …}]`), referenced by name from `after`.
 */
export function rowSchemaParts(valueSchema: AvroSchema, transform: string): RowSchemaParts {
  if (!isRecord(valueSchema)) throw new DataError(`${transform}: the value schema ${schemaName(valueSchema)} is not a record`);
  const beforeIndex = valueSchema.fields.findIndex((f) => f.name === 'before');
  const before = valueSchema.fields[beforeIndex];
  const union = before?.type;
  const branch = Array.isArray(union) ? union.findIndex(isRecord) : -1;
  if (!before || !Array.isArray(union) || branch < 0) {
    throw new DataError(`${transform}: the value schema ${schemaName(valueSchema)} has no row record in a \`before\` field (not a change envelope)`);
  }
  return { envelope: valueSchema, beforeIndex, branch, row: union[branch] as AvroRecord };
}

/**
 * The value schema with the row record's fields replaced by `edit(fields)`: a new envelope,
 * `before` and row object; every other part is shared with the input (never mutated).
 */
export function editRowFields(parts: RowSchemaParts, edit: (fields: readonly AvroField[]) => AvroField[]): AvroSchema {
  const { envelope, beforeIndex, branch, row } = parts;
  const before = envelope.fields[beforeIndex] as AvroField;
  const union = [...(before.type as unknown[])];
  union[branch] = { ...row, fields: edit(row.fields) };
  const fields = [...envelope.fields];
  fields[beforeIndex] = { ...before, type: union };
  return { ...envelope, fields };
}

/** An Avro name (a record, field or enum symbol): letters, digits and _, not starting with a digit. */
export const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

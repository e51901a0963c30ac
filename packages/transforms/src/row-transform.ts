import type { AvroSchema, Transform, TransformRecord } from '@buyonline/connect-api';
import { UNCHANGED_TOAST_HEADER } from '@buyonline/schemas';
import { asChangeValue, type ChangeValue, type Row } from './change-value.ts';
import { SchemaCache } from './schema-cache.ts';
import type { Scope } from './scope.ts';

/** What a transform that edits rows (columns, mask, rename) supplies. */
export interface RowEdit {
  /** The transform's name, for error messages. */
  name: string;
  scope: Scope;
  /** The value schema with the row record edited; called once per input schema object. */
  schema(valueSchema: AvroSchema, record: TransformRecord): AvroSchema;
  /** A new row with the edit applied (the input is not mutated). */
  row(row: Row): Row;
  /** Column names as the edited row calls them (for `unchanged_toast`); absent when names do not change. */
  columnNames?(names: readonly string[]): string[];
}

/**
 * A transform that edits the before and after rows of a change and, when the record carries
 * one, its value schema's row record (cached per input schema object). Tombstones and records
 * outside the scope pass through as they are; a truncate (no rows) still gets the edited schema,
 * so every record of a topic has the same one.
 */
export function rowTransform(edit: RowEdit): Transform {
  const schemas = new SchemaCache((schema, record: TransformRecord) => edit.schema(schema, record));
  return {
    apply<R extends TransformRecord>(record: R): R | null {
      if (record.value === null || record.value === undefined || !edit.scope.covers(record)) return record;
      const change = asChangeValue(record.value, edit.name);
      const value: ChangeValue = {
        ...change,
        before: change.before === null ? null : edit.row(change.before),
        after: change.after === null ? null : edit.row(change.after),
      };
      let headers = record.headers;
      if (edit.columnNames) {
        if (change.unchanged_toast && change.unchanged_toast.length > 0) value.unchanged_toast = edit.columnNames(change.unchanged_toast);
        if (headers?.[UNCHANGED_TOAST_HEADER]) headers = renameListedColumns(headers, edit.columnNames);
      }
      // One copy of the record; only keys it has are overwritten (V8 keeps that fast).
      const out = { ...record, value };
      if (headers && headers !== record.headers) out.headers = headers;
      if (record.valueSchema !== undefined) out.valueSchema = schemas.get(record.valueSchema, record);
      return out;
    },
  };
}

/** The source's `buyonline.unchanged-toast` header (comma-separated column names) after the edit; gone when no name is left. */
function renameListedColumns(headers: Record<string, string>, columnNames: (names: readonly string[]) => string[]): Record<string, string> {
  const { [UNCHANGED_TOAST_HEADER]: listed = '', ...others } = headers;
  const names = columnNames(listed.split(','));
  return names.length === 0 ? others : { ...others, [UNCHANGED_TOAST_HEADER]: names.join(',') };
}

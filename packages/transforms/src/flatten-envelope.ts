import { type AvroSchema, ConfigError } from '@buyonline/connect-api';
import type { ChangeValue, Row } from './change-value.ts';
import { microsToMillis, toMicros } from './change-value.ts';
import { lsnToNumber } from './debezium-envelope.ts';
import { type AvroField, rowSchemaParts } from './row-schema.ts';

/** Metadata a flattened row can carry, each as a `__<name>` field (Debezium's add.fields). */
export const FLATTEN_FIELDS = ['op', 'table', 'schema', 'db', 'lsn', 'source_ts_ms', 'ts_ms'] as const;
export type FlattenField = (typeof FLATTEN_FIELDS)[number];

const FIELD_TYPES: Record<FlattenField, string> = {
  op: 'string',
  table: 'string',
  schema: 'string',
  db: 'string',
  lsn: 'long',
  source_ts_ms: 'long',
  ts_ms: 'long',
};

function collisionMessage(column: string): string {
  return `envelope: the table has a column ${column}, which flatten adds as metadata; rename that column first or leave the field out of addFields`;
}

/** Flattens changes into their row plus `__` metadata fields (Debezium's ExtractNewRecordState). */
export class Flattener {
  readonly #added: readonly AvroField[];
  readonly #names: readonly (readonly [string, FlattenField])[];

  /**
   * `fields`: the metadata to add (Debezium's add.fields); `deleted`: add `__deleted` ('true' for
   * a delete, else 'false'), as Debezium's delete.handling.mode=rewrite.
   */
  constructor(
    fields: readonly FlattenField[],
    private readonly deleted: boolean,
  ) {
    const added: AvroField[] = fields.map((f) => ({ name: `__${f}`, type: ['null', FIELD_TYPES[f]], default: null }));
    if (deleted) added.push({ name: '__deleted', type: ['null', 'string'], default: null, doc: '"true" for a delete (the row before it), "false" otherwise.' });
    this.#added = added;
    this.#names = fields.map((f) => [`__${f}`, f] as const);
  }

  /** The row record itself, with the metadata fields appended: the value schema of a flattened topic. */
  schema(valueSchema: AvroSchema): AvroSchema {
    const { envelope, row } = rowSchemaParts(valueSchema, 'envelope');
    const names = new Set(row.fields.map((f) => f.name));
    const clash = this.#added.find((f) => names.has(f.name));
    if (clash) throw new ConfigError(collisionMessage(clash.name));
    const namespace = row.namespace ?? envelope.namespace;
    return { ...row, ...(namespace === undefined ? {} : { namespace }), fields: [...row.fields, ...this.#added] };
  }

  /** The flattened value: `row` (the after-image, or the before-image of a delete) with the metadata fields. */
  value(change: ChangeValue, row: Row): Row {
    for (const field of this.#added) if (field.name in row) throw new ConfigError(collisionMessage(field.name));
    // Copied key by key, not spread: V8 makes adding keys to a spread copy some 20 times slower.
    const out: Row = {};
    for (const name in row) out[name] = row[name];
    for (const [name, field] of this.#names) out[name] = metadata(change, field);
    if (this.deleted) out.__deleted = change.op === 'd' ? 'true' : 'false';
    return out;
  }
}

function metadata(change: ChangeValue, field: FlattenField): unknown {
  switch (field) {
    case 'op':
      return change.op;
    case 'table':
      return change.source.table ?? null;
    case 'schema':
      return change.source.schema ?? null;
    case 'db':
      return change.source.db ?? null;
    case 'lsn':
      return lsnToNumber(change.source.lsn);
    case 'source_ts_ms':
      return microsToMillis(toMicros(change.source.ts_us, 'envelope: source.ts_us'));
    case 'ts_ms':
      return microsToMillis(toMicros(change.ts_us, 'envelope: ts_us'));
  }
}

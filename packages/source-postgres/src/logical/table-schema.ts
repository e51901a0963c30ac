import { type AvroSchema, ConfigError } from '@buyonline/connect-api';
import { changeEnvelopeSchema, ENVELOPE_FIELDS } from '@buyonline/schemas';
import type { Sql } from 'postgres';
import { avroFieldName, avroNamespacePart, checkDistinct, ORIGINAL_NAME, ORIGINAL_SCHEMA, ORIGINAL_TABLE } from '../names.ts';
import { type ColumnInfo, type ColumnMapping, mapColumn } from './column-types.ts';
import { lookupTypes } from './relation-columns.ts';

export interface MappedColumn {
  info: ColumnInfo;
  mapping: ColumnMapping;
  /** The column's Avro field name (its PostgreSQL name escaped: names.ts); the record values are keyed by it. */
  field: string;
}

/** A table as captured: its columns, key and the Avro schemas derived from them. */
export interface TableShape {
  columns: MappedColumn[];
  /** The primary key's columns in key order; empty for a keyless table (REPLICA IDENTITY FULL, no primary key). */
  keyColumns: MappedColumn[];
  /** Null for a keyless table: its records have no key. */
  keySchema: AvroSchema | null;
  valueSchema: AvroSchema;
}

export interface SchemaNames {
  namespace: string;
  envelope: string;
  row: string;
  key: string;
  /** The PostgreSQL schema and table, when the namespace had to change them (record properties `buyonline.pg.schema`/`.table`). */
  original?: { schema: string; table: string };
}

/** Debezium's naming: `<prefix>.<schema>.<table>.Key`, `.Value` (the row) and `.Envelope`, each part an Avro name. */
export function schemaNamesFor(prefix: string, schema: string, table: string): SchemaNames {
  const [schemaPart, tablePart] = [avroNamespacePart(schema), avroNamespacePart(table)];
  const namespace = [...prefix.split('.').map(avroNamespacePart), schemaPart, tablePart].join('.');
  const names: SchemaNames = { namespace, envelope: 'Envelope', row: 'Value', key: 'Key' };
  if (schemaPart !== schema || tablePart !== table) names.original = { schema, table };
  return names;
}

/** The record properties naming the table, when its namespace does not. */
function originalTable(names: SchemaNames): Record<string, string> {
  return names.original ? { [ORIGINAL_SCHEMA]: names.original.schema, [ORIGINAL_TABLE]: names.original.table } : {};
}

interface CatalogRow {
  name: string;
  type_oid: number;
  type_mod: number;
  not_null: boolean;
  is_key: boolean;
  key_position: number;
}

/**
 * Which generated columns a table is described with: `all` (a query reads them, as polling
 * does), or the ones a publication has pgoutput send, so that the snapshot reads exactly what
 * the stream carries: stored generated columns when the publication publishes them
 * (`publish_generated_columns = stored`, PostgreSQL 18 on), none before; virtual ones never.
 */
export type GeneratedColumns = 'all' | { publishedBy: string };

export async function describeColumns(sql: Sql, schema: string, table: string, generated: GeneratedColumns = 'all'): Promise<ColumnInfo[]> {
  const all = generated === 'all';
  const publication = generated === 'all' ? '' : generated.publishedBy;
  const rows = await sql<CatalogRow[]>`
    select a.attname::text as name, a.atttypid::int as type_oid,
           a.atttypmod as type_mod, a.attnotnull as not_null,
           coalesce(i.indisprimary, false) as is_key, coalesce(array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1) + 1, 0) as key_position
      from pg_attribute a
      join pg_class c on c.oid = a.attrelid
      join pg_namespace n on n.oid = c.relnamespace
      left join pg_index i on i.indrelid = a.attrelid and i.indisprimary and a.attnum = any(i.indkey)
     where n.nspname = ${schema} and c.relname = ${table} and a.attnum > 0 and not a.attisdropped
       and (${all} or a.attgenerated = '' or (a.attgenerated = 's' and exists (
             -- pubgencols is PostgreSQL 18's ("char" 's', a boolean in its betas): absent before
             select 1 from pg_publication p where p.pubname = ${publication} and to_jsonb(p) ->> 'pubgencols' in ('s', 'true'))))
     order by a.attnum`;
  // Domains as their base types, arrays with their element's (the stream resolves its Relation messages the same way).
  const types = await lookupTypes(sql, rows.map((r) => r.type_oid));
  return rows.map((r) => {
    const type = types.get(r.type_oid);
    if (!type) throw new ConfigError(`column ${r.name} of ${schema}.${table} has type oid ${r.type_oid}, which PostgreSQL does not know`);
    return {
      name: r.name,
      typeName: type.typeName,
      typeType: type.typeType,
      typeMod: r.type_mod === -1 ? type.typeMod : r.type_mod,
      notNull: r.not_null,
      isKey: r.is_key,
      ...(r.is_key ? { keyPosition: r.key_position } : {}),
      element: type.element,
    };
  });
}

/** The field's name, and its PostgreSQL name when that differs (`buyonline.pg.name`, what sinks name the column by). */
function named(column: MappedColumn): Record<string, unknown> {
  return column.field === column.info.name ? { name: column.field } : { name: column.field, [ORIGINAL_NAME]: column.info.name };
}

function field(column: MappedColumn): Record<string, unknown> {
  // Only the key is required: every other column is nullable with a null default, so adding
  // or dropping a column is a BACKWARD-compatible schema change.
  if (column.info.isKey) return { ...named(column), type: column.mapping.avro };
  const avro = column.mapping.avro;
  return { ...named(column), type: ['null', ...(Array.isArray(avro) ? avro : [avro])], default: null };
}

/**
 * Builds the key and Debezium-style value schemas of a table's shape. The key has every primary
 * key column, in key order; a table without a primary key has no key (its records are keyless).
 * Fields are named by `avroFieldName`; two columns that would share a field name are a
 * ConfigError naming both.
 */
export function shapeTable(columns: readonly ColumnInfo[], names: SchemaNames, excluded: readonly string[], table: string): TableShape {
  const mapped = columns.filter((c) => !excluded.includes(c.name)).map((info) => ({ info, mapping: mapColumn(info), field: avroFieldName(info.name) }));
  checkDistinct(`columns of ${table}:`, mapped.map((c) => [c.field, c.info.name]));
  const keyColumns = mapped.filter((c) => c.info.isKey).sort((a, b) => (a.info.keyPosition ?? 0) - (b.info.keyPosition ?? 0));
  const row = { type: 'record', name: names.row, fields: mapped.map(field) };
  const template = changeEnvelopeSchema as unknown as { fields: Record<string, unknown>[] };
  const fromTemplate = (name: string) => template.fields.find((f) => f.name === name) as Record<string, unknown>;
  const valueSchema: AvroSchema = {
    type: 'record',
    name: names.envelope,
    namespace: names.namespace,
    ...originalTable(names),
    doc: `One change of a row of ${table}, in a Debezium-style envelope.`,
    fields: [
      fromTemplate(ENVELOPE_FIELDS.op),
      { name: ENVELOPE_FIELDS.before, type: ['null', row], default: null },
      { name: ENVELOPE_FIELDS.after, type: ['null', names.row], default: null },
      fromTemplate(ENVELOPE_FIELDS.source),
      fromTemplate(ENVELOPE_FIELDS.tsUs),
      {
        name: ENVELOPE_FIELDS.unchangedToast,
        doc: 'Columns whose TOASTed value did not change and is not in the record (no before-image): unknown, not null.',
        type: { type: 'array', items: 'string' },
        default: [],
      },
    ],
  };
  const keySchema: AvroSchema | null =
    keyColumns.length === 0
      ? null
      : { type: 'record', name: names.key, namespace: names.namespace, ...originalTable(names), fields: keyColumns.map((c) => ({ ...named(c), type: c.mapping.avro })) };
  return { columns: mapped, keyColumns, keySchema, valueSchema };
}

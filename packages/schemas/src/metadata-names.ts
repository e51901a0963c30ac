/**
 * The names that carry change metadata outside the envelope's own fields: the Avro properties
 * a source puts on its schemas, and the keys of a stage line's metadata.
 */

/**
 * Avro properties of PostgreSQL's own names and types (docs/naming.md, docs/types.md): on a
 * field, its column's PostgreSQL type when the Avro type alone does not say it (`jsonb`, an
 * enum, an array's `text[]`) and its PostgreSQL name when the Avro name differs; on a record,
 * the table's schema and name when the namespace had to change them.
 */
export const PG_PROPERTIES = {
  type: 'buyonline.pg.type',
  name: 'buyonline.pg.name',
  schema: 'buyonline.pg.schema',
  table: 'buyonline.pg.table',
} as const;

/**
 * The metadata keys of a stage line (one JSON object per record, after the row's columns): a
 * reserved namespace, as every key starts with `__` and a column that does gets one more `_`.
 */
export const STAGE_METADATA = {
  op: '__op',
  deleted: '__deleted',
  unchangedToast: '__unchanged_toast',
  source: '__source',
  processedAt: '__processed_at',
  kafka: '__kafka',
} as const;

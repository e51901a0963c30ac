import type { StageFileRef } from '../file-naming.ts';
import { qualifiedName, quoteIdent, quoteLiteral, remoteFileName, type SnowflakeSqlTarget, stageLocation } from './sql.ts';
import { isMetadataColumn, lineKeysOfColumn, readExpressions, type TypedColumn } from './typed-columns.ts';

/**
 * The statements of typed loading: one table per topic with a column per row field plus the
 * change metadata (typed-columns.ts), optionally merged into `<table>_CURRENT`. Pure text.
 */
type Where = Pick<SnowflakeSqlTarget, 'database' | 'schema'>;
const q = (t: Where, table: string) => qualifiedName(t.database, t.schema, table);
const columnList = (columns: readonly TypedColumn[]) => columns.map((c) => quoteIdent(c.name)).join(', ');

export function createTypedTableStatement(t: Where, table: string, columns: readonly TypedColumn[]): string {
  return `CREATE TABLE IF NOT EXISTS ${q(t, table)} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`;
}

/** A field the schema gained: the column is added before the first file that carries it loads. */
export function addColumnStatement(t: Where, table: string, column: TypedColumn): string {
  return `ALTER TABLE ${q(t, table)} ADD COLUMN IF NOT EXISTS ${quoteIdent(column.name)} ${column.type}`;
}

/** A table's columns and types, in order (what the loads read the stage lines into). */
export function columnsStatement(t: Where, table: string): string {
  return (
    `SELECT COLUMN_NAME, DATA_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE FROM ${quoteIdent(t.database)}.INFORMATION_SCHEMA.COLUMNS ` +
    `WHERE TABLE_SCHEMA = ${quoteLiteral(t.schema)} AND TABLE_NAME = ${quoteLiteral(table)} ORDER BY ORDINAL_POSITION`
  );
}

/**
 * COPY with a transformation: each column read from the line with a cast to its type
 * (`$1:field::TYPE`). One file, its full path the location: the load history keeps it from
 * loading twice, as for the VARIANT table.
 */
export function typedCopyStatement(t: SnowflakeSqlTarget, table: string, columns: readonly TypedColumn[], ref: StageFileRef): string {
  return (
    `COPY INTO ${q(t, table)} (${columnList(columns)}) FROM (SELECT ${readExpressions('$1', columns).join(', ')} ` +
    `FROM ${stageLocation(t, ref.topic, ref.partition)}${remoteFileName(ref)}) FILE_FORMAT=(TYPE=JSON) ON_ERROR=ABORT_STATEMENT`
  );
}

const inRange = (ref: StageFileRef, alias: string) =>
  `${alias}."__KAFKA_TOPIC" = ${quoteLiteral(ref.topic)} AND ${alias}."__KAFKA_PARTITION" = ${ref.partition} AND ${alias}."__KAFKA_OFFSET" BETWEEN ${ref.startOffset} AND ${ref.endOffset}`;

/**
 * The landing way (`typedCopy: via-variant`, for servers whose COPY cannot transform JSON, such
 * as fakesnow): the file is COPYed into the landing table's one VARIANT column (load history:
 * once), then its lines are INSERTed, typed, unless the table holds that offset range already
 * (a retry, or a recovery, inserts nothing twice: one writer owns a partition's chain).
 */
export function insertFromLandingStatement(t: SnowflakeSqlTarget, table: string, landing: string, variantColumn: string, columns: readonly TypedColumn[], ref: StageFileRef): string {
  const root = `l.${quoteIdent(variantColumn)}`;
  return (
    `INSERT INTO ${q(t, table)} (${columnList(columns)}) SELECT ${readExpressions(root, columns).join(', ')} ` +
    `FROM ${q(t, landing)} AS l WHERE ${root}:__kafka.topic::VARCHAR = ${quoteLiteral(ref.topic)} AND ${root}:__kafka.partition::NUMBER = ${ref.partition} ` +
    `AND ${root}:__kafka.offset::NUMBER BETWEEN ${ref.startOffset} AND ${ref.endOffset} ` +
    `AND NOT EXISTS (SELECT 1 FROM ${q(t, table)} AS d WHERE ${inRange(ref, 'd')})`
  );
}

/** One row when the typed table holds any row of a file's offset range (see loadedRangeStatement). */
export function typedLoadedRangeStatement(t: Where, table: string, ref: StageFileRef): string {
  return `SELECT 1 AS "N" FROM ${q(t, table)} AS d WHERE ${inRange(ref, 'd')} LIMIT 1`;
}

const newer = (s: string, t: string) =>
  `(${s}."__SOURCE_POSITION" > ${t}."__SOURCE_POSITION" OR (${s}."__SOURCE_POSITION" = ${t}."__SOURCE_POSITION" AND ${s}."__KAFKA_OFFSET" > ${t}."__KAFKA_OFFSET"))`;

/**
 * Upserts the latest version of every key the file's range touched into the current table.
 * The latest version is taken over the whole changes table (position, then Kafka offset), not
 * only the file: a version older than one loaded before (a key that moved partitions) changes
 * nothing, and a key deleted by a newer version is not brought back. An update that did not carry
 * a column (`__UNCHANGED_TOAST`: PostgreSQL left an unchanged TOASTed value out) keeps the
 * current value of that column. Versions before the
 * table's last TRUNCATE are left out (the truncate's own transaction is taken to follow it). A
 * matched row changes only for a newer version, so a replayed file changes nothing.
 */
export function mergeStatement(t: Where, table: string, current: string, columns: readonly TypedColumn[], keys: readonly string[], ref: StageFileRef): string {
  const changes = q(t, table);
  const on = (a: string, b: string) => keys.map((k) => `${a}.${quoteIdent(k)} = ${b}.${quoteIdent(k)}`).join(' AND ');
  const partitionBy = keys.map((k) => `c.${quoteIdent(k)}`).join(', ');
  // A column the update's source did not have (an unchanged TOASTed value) keeps the current value.
  const set = columns
    .map((c) => {
      const name = quoteIdent(c.name);
      // the array's JSON text holds `"field"` (an Avro name has no quote); fakesnow has no ARRAY_CONTAINS on a VARIANT
      const unchanged = lineKeysOfColumn(c.name)
        .map((key) => `CONTAINS(COALESCE(TO_VARCHAR(s."__UNCHANGED_TOAST"), ''), ${quoteLiteral(`"${key}"`)})`)
        .join(' OR ');
      return isMetadataColumn(c.name) ? `${name} = s.${name}` : `${name} = IFF(${unchanged}, t.${name}, s.${name})`;
    })
    .join(', ');
  return (
    `MERGE INTO ${q(t, current)} AS t USING (SELECT c.* FROM ${changes} AS c ` +
    `WHERE EXISTS (SELECT 1 FROM ${changes} AS f WHERE ${inRange(ref, 'f')} AND ${on('f', 'c')}) AND c."__OP" <> 't' ` +
    `AND c."__SOURCE_POSITION" >= COALESCE((SELECT MAX(z."__SOURCE_POSITION") FROM ${changes} AS z WHERE z."__OP" = 't'), '') ` +
    `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${partitionBy} ORDER BY c."__SOURCE_POSITION" DESC, c."__KAFKA_OFFSET" DESC) = 1) AS s ` +
    `ON ${on('t', 's')} ` +
    `WHEN MATCHED AND s."__DELETED" AND ${newer('s', 't')} THEN DELETE ` +
    `WHEN MATCHED AND ${newer('s', 't')} THEN UPDATE SET ${set} ` +
    `WHEN NOT MATCHED AND NOT s."__DELETED" THEN INSERT (${columnList(columns)}) VALUES (${columns.map((c) => `s.${quoteIdent(c.name)}`).join(', ')})`
  );
}

/** A TRUNCATE in the file's range removes every current row written before it (none when the range has no truncate). */
export function truncateCurrentStatement(t: Where, table: string, current: string, ref: StageFileRef): string {
  return (
    `DELETE FROM ${q(t, current)} WHERE "__SOURCE_POSITION" < ` +
    `(SELECT MAX(f."__SOURCE_POSITION") FROM ${q(t, table)} AS f WHERE ${inRange(ref, 'f')} AND f."__OP" = 't')`
  );
}

/** The current table's name for a changes table. */
export const currentTableOf = (table: string) => `${table}_CURRENT`;
/** The landing table's name for a changes table (`typedCopy: via-variant`). */
export const landingTableOf = (table: string) => `${table}_LANDING`;

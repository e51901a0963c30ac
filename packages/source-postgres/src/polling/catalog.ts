import type { Sql, TransactionSql } from 'postgres';
import { tableName, type TableRef } from '../tables.ts';
import { CDC_TXID, CDC_VERSION, cdcObjects } from './cdc-objects.ts';

export interface CatalogColumn {
  /** pg_type.typname */
  type: string;
  notNull: boolean;
}

/** What polling needs to know about a table, from the catalog. */
export interface PollingCatalog {
  name: string;
  /** 'r' ordinary, 'p' partitioned, anything else is not a table. */
  kind: string;
  isPartition: boolean;
  /** The primary key's columns in key order; empty for a table without one. */
  keyColumns: string[];
  /** The bookkeeping columns as they are now, undefined when missing. */
  txid: CatalogColumn | undefined;
  version: CatalogColumn | undefined;
  /** Whether the stamping trigger `migrateTables` creates is there and enabled. */
  hasStampTrigger: boolean;
  /** The type of the timestamp column asked for (timestamptz or timestamp), undefined when none was asked for or the table has none of those. */
  timestampType: 'timestamptz' | 'timestamp' | undefined;
}

interface CatalogRow {
  kind: string;
  is_partition: boolean;
  key_columns: string[];
  columns: { name: string; type: string; not_null: boolean }[];
  has_trigger: boolean;
}

/** Reads the table's polling facts (with `timestampColumn`'s type, when named); undefined when no such table exists. */
export async function readPollingCatalog(sql: Sql | TransactionSql, ref: TableRef, timestampColumn?: string): Promise<PollingCatalog | undefined> {
  const trigger = cdcObjects(ref.table, []).trigger;
  const [row] = await sql<CatalogRow[]>`
    select c.relkind::text as kind, c.relispartition as is_partition,
           array(select a.attname::text
                   from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
                  where i.indrelid = c.oid and i.indisprimary
                  order by array_position(i.indkey::int2[], a.attnum)) as key_columns,
           coalesce((select json_agg(json_build_object('name', a.attname, 'type', t.typname, 'not_null', a.attnotnull))
                       from pg_attribute a join pg_type t on t.oid = a.atttypid
                      where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                        and a.attname in (${CDC_TXID}, ${CDC_VERSION}, ${timestampColumn ?? CDC_TXID})), '[]') as columns,
           exists(select 1 from pg_trigger g
                   where g.tgrelid = c.oid and g.tgname = ${trigger} and not g.tgisinternal and g.tgenabled <> 'D') as has_trigger
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = ${ref.schema} and c.relname = ${ref.table}`;
  if (!row) return undefined;
  const column = (name: string): CatalogColumn | undefined => {
    const found = row.columns.find((c) => c.name === name);
    return found ? { type: found.type, notNull: found.not_null } : undefined;
  };
  const ts = timestampColumn === undefined ? undefined : column(timestampColumn)?.type;
  return {
    name: tableName(ref),
    kind: row.kind,
    isPartition: row.is_partition,
    keyColumns: row.key_columns,
    txid: column(CDC_TXID),
    version: column(CDC_VERSION),
    hasStampTrigger: row.has_trigger,
    timestampType: ts === 'timestamptz' || ts === 'timestamp' ? ts : undefined,
  };
}

/** Whether `migrateTables` has prepared the table: both columns with their types, and the trigger. */
export function isPrepared(catalog: PollingCatalog): boolean {
  return catalog.txid?.type === 'xid8' && catalog.version?.type === 'int8' && catalog.hasStampTrigger;
}

import { ConfigError } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import { qualified, quoteIdent } from '../sql-identifiers.ts';
import { tableName, type TableRef } from '../tables.ts';
import { type CatalogColumn, type PollingCatalog, readPollingCatalog } from './catalog.ts';
import { CDC_TXID, CDC_VERSION, cdcObjects } from './cdc-objects.ts';

/** What the migration of one table starts from: its key and the bookkeeping columns as they are. */
export interface MigrationState {
  keyColumns: readonly string[];
  txid: CatalogColumn | undefined;
  version: CatalogColumn | undefined;
}

/**
 * The DDL that prepares one table for polling, and nothing else:
 * - `cdc_txid xid8`: the writing transaction, so polling waits for transactions still running
 *   instead of skipping their rows when they commit late;
 * - `cdc_version bigint`: 1 on insert, +1 per update (tells inserts from updates);
 * - the row trigger `<table>_cdc_stamp` maintaining both;
 * - an index on (cdc_txid, <primary key columns>), the order polling pages in.
 * New columns are filled through their default (existing rows get the migration's
 * transaction), so none of the table's own triggers fire. Replica identity is left alone.
 */
export function pollingMigrationSql(ref: TableRef, state: MigrationState): string {
  const t = qualified(ref.schema, ref.table);
  const objects = cdcObjects(ref.table, state.keyColumns);
  const fn = qualified(ref.schema, objects.trigger);
  const txid = quoteIdent(CDC_TXID);
  const version = quoteIdent(CDC_VERSION);
  const out: string[] = [];
  const toAdd: [string, string][] = [];
  if (!state.txid) toAdd.push([CDC_TXID, 'xid8 NOT NULL DEFAULT pg_current_xact_id()']);
  if (!state.version) toAdd.push([CDC_VERSION, 'bigint NOT NULL DEFAULT 1']);
  if (toAdd.length > 0) {
    out.push(`ALTER TABLE ${t} ${toAdd.map(([c, type]) => `ADD COLUMN ${quoteIdent(c)} ${type}`).join(', ')};`);
    // The defaults only fill the existing rows: the trigger is the one writer from now on.
    out.push(`ALTER TABLE ${t} ${toAdd.map(([c]) => `ALTER COLUMN ${quoteIdent(c)} DROP DEFAULT`).join(', ')};`);
  }
  const nullable = [state.txid?.notNull === false ? CDC_TXID : null, state.version?.notNull === false ? CDC_VERSION : null].filter((s) => s !== null);
  if (nullable.length > 0) {
    // Columns an earlier, interrupted setup left nullable: fill the gaps, then require them.
    out.push(`UPDATE ${t} SET ${txid} = coalesce(${txid}, pg_current_xact_id()), ${version} = coalesce(${version}, 1) WHERE ${txid} IS NULL OR ${version} IS NULL;`);
    out.push(`ALTER TABLE ${t} ${nullable.map((c) => `ALTER COLUMN ${quoteIdent(c)} SET NOT NULL`).join(', ')};`);
  }
  out.push(`CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.${txid} := pg_current_xact_id();
  IF TG_OP = 'INSERT' THEN
    NEW.${version} := 1;
  ELSE
    NEW.${version} := coalesce(OLD.${version}, 0) + 1;
  END IF;
  RETURN NEW;
END
$fn$;`);
  out.push(`DROP TRIGGER IF EXISTS ${quoteIdent(objects.trigger)} ON ${t};`);
  out.push(`CREATE TRIGGER ${quoteIdent(objects.trigger)} BEFORE INSERT OR UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${fn}();`);
  out.push(`CREATE INDEX IF NOT EXISTS ${quoteIdent(objects.index)} ON ${t} (${[CDC_TXID, ...state.keyColumns].map(quoteIdent).join(', ')});`);
  return out.join('\n');
}

/** Refuses a table polling cannot capture, naming it and what to do. */
export function checkMigratable(name: string, catalog: PollingCatalog | undefined): asserts catalog is PollingCatalog {
  if (!catalog) throw new ConfigError(`migrate: table ${name} does not exist (or is not visible to this user)`);
  if (catalog.kind !== 'r' && catalog.kind !== 'p') throw new ConfigError(`migrate: ${name} is not a table (relkind ${catalog.kind})`);
  if (catalog.isPartition) throw new ConfigError(`migrate: ${name} is a partition; migrate its partitioned root table instead`);
  if (catalog.keyColumns.length === 0) {
    throw new ConfigError(
      `migrate: table ${name} has no primary key; polling pages through a table by its key: add a primary key, or capture the table in logical mode (REPLICA IDENTITY FULL)`,
    );
  }
  if (catalog.txid && catalog.txid.type !== 'xid8') {
    throw new ConfigError(`migrate: column ${CDC_TXID} of ${name} has type ${catalog.txid.type}; polling needs xid8 (rename or drop the column, then migrate again)`);
  }
  if (catalog.version && catalog.version.type !== 'int8') {
    throw new ConfigError(`migrate: column ${CDC_VERSION} of ${name} has type ${catalog.version.type}; polling needs bigint (rename or drop the column, then migrate again)`);
  }
}

/**
 * Prepares the listed tables for polling (see `pollingMigrationSql`), all in one transaction
 * serialised by an advisory lock, so concurrent runs do not race. Idempotent; a table not
 * listed is never touched. Every table is checked before any is changed.
 */
export async function migrateTables(sql: Sql, tables: readonly TableRef[]): Promise<void> {
  const unique = [...new Map(tables.map((ref) => [tableName(ref), ref])).values()];
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('buyonline-cdc-migration'))`;
    const checked: [TableRef, PollingCatalog][] = [];
    for (const ref of unique) {
      const catalog = await readPollingCatalog(tx, ref);
      checkMigratable(tableName(ref), catalog);
      checked.push([ref, catalog]);
    }
    for (const [ref, catalog] of checked) await tx.unsafe(pollingMigrationSql(ref, catalog));
  });
}

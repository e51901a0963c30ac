import { CdcError, ConfigError } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import { qualified, quoteIdent } from '../sql-identifiers.ts';
import type { TableRef } from '../tables.ts';

export interface SlotState {
  walStatus: string | null;
  confirmedFlushLsn: string | null;
  active: boolean;
}

/** Stops the producer with what to do when the slot's position is gone. */
export class SourcePositionLostError extends CdcError {
  constructor(message: string) {
    super('SOURCE_POSITION_LOST', message, { retriable: false });
  }
}

/** The server's version as a number (`server_version_num`: 140011, 180004, …). */
export async function serverVersionNum(sql: Sql): Promise<number> {
  const [version] = await sql<{ num: number }[]>`select current_setting('server_version_num')::int as num`;
  return version?.num ?? 0;
}

/**
 * The replication command that creates `slot` for pgoutput and exports its snapshot: the option
 * list `(SNAPSHOT 'export')` exists from PostgreSQL 15 on, 14 knows only the bare keyword. From 17
 * on the slot is a failover slot: a standby with `sync_replication_slots` keeps a copy of it, so
 * after a promotion the capture resumes on the new primary where it was, without a snapshot.
 */
export function createSlotCommand(slot: string, serverVersion: number, where: { onStandby?: boolean } = {}): string {
  // A slot made on a standby cannot be a failover slot: PostgreSQL refuses FAILOVER there (0A000).
  const failover = serverVersion >= 170000 && where.onStandby !== true;
  const options = failover ? "(SNAPSHOT 'export', FAILOVER)" : serverVersion >= 150000 ? "(SNAPSHOT 'export')" : 'EXPORT_SNAPSHOT';
  return `CREATE_REPLICATION_SLOT ${quoteIdent(slot)} LOGICAL pgoutput ${options}`;
}

/**
 * The options of a publication the capture creates: published via the partition root (a
 * partitioned table's changes carry its own name) and, from PostgreSQL 18 on, with its stored
 * generated columns, so that the stream carries them as the snapshot reads them.
 */
export function publicationOptions(serverVersion: number): string {
  return serverVersion >= 180000 ? 'publish_via_partition_root = true, publish_generated_columns = stored' : 'publish_via_partition_root = true';
}

/** Fails with a clear ConfigError unless the server can decode logically (the role's rights: capture-privileges.ts). */
export async function checkLogicalReplicationPrerequisites(sql: Sql): Promise<void> {
  const [wal] = await sql<{ wal_level: string }[]>`select current_setting('wal_level') as wal_level`;
  if (wal?.wal_level !== 'logical') {
    throw new ConfigError(`PostgreSQL has wal_level=${wal?.wal_level}: log-based capture needs wal_level=logical in postgresql.conf (and a restart)`);
  }
}

const PUBLISHED_OPERATIONS = ['insert', 'update', 'delete', 'truncate'] as const;

/**
 * Creates the publication of the captured tables (published via the partition root, so a
 * partitioned table's changes carry the root's name), or checks an existing one: it must publish
 * every operation, and each table whole (no row filter, no column list), else changes would be
 * dropped silently. A captured table the publication does not include yet is added to it.
 */
export async function ensurePublication(sql: Sql, publication: string, tables: readonly TableRef[]): Promise<void> {
  const name = quoteIdent(publication);
  const [pub] = await sql<{ insert: boolean; update: boolean; delete: boolean; truncate: boolean; all_tables: boolean; via_root: boolean }[]>`
    select pubinsert as insert, pubupdate as update, pubdelete as delete, pubtruncate as truncate,
           puballtables as all_tables, pubviaroot as via_root
      from pg_publication where pubname = ${publication}`;
  if (!pub) {
    const list = tables.map((t) => qualified(t.schema, t.table)).join(', ');
    await sql.unsafe(`create publication ${name} for table ${list} with (${publicationOptions(await serverVersionNum(sql))})`);
    return;
  }
  const missing = PUBLISHED_OPERATIONS.filter((op) => !pub[op]);
  if (missing.length > 0) {
    throw new ConfigError(
      `publication ${publication} does not publish ${missing.join(', ')}: those changes would never reach Kafka. ` +
        `Run ALTER PUBLICATION ${name} SET (publish = '${PUBLISHED_OPERATIONS.join(', ')}'), or use another publication (one that does not exist is created)`,
    );
  }
  if (!pub.via_root) {
    const partitioned = await sql<{ name: string }[]>`
      select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind = 'p' and (n.nspname || '.' || c.relname) = any(${tables.map((t) => `${t.schema}.${t.table}`)})`;
    if (partitioned.length > 0) {
      throw new ConfigError(
        `publication ${publication} publishes partitions under their own names, but ${partitioned.map((p) => p.name).join(', ')} is partitioned: ` +
          `its changes would not carry the captured table's name. Run ALTER PUBLICATION ${name} SET (publish_via_partition_root = true), or use another publication`,
      );
    }
  }
  for (const table of tables) await checkPublishedTable(sql, publication, table, pub.all_tables);
}

async function checkPublishedTable(sql: Sql, publication: string, { schema, table }: TableRef, allTables: boolean): Promise<void> {
  const name = quoteIdent(publication);
  // Row filters and column lists exist from PostgreSQL 15 on.
  const [rel] =
    (await serverVersionNum(sql)) < 150000
      ? []
      : await sql<{ row_filter: string | null; column_list: string | null }[]>`
          select pg_get_expr(r.prqual, r.prrelid) as row_filter, r.prattrs::text as column_list
            from pg_publication_rel r join pg_publication p on p.oid = r.prpubid
           where p.pubname = ${publication} and r.prrelid = ${qualified(schema, table)}::regclass`;
  const target = qualified(schema, table);
  const fix = `Run ALTER PUBLICATION ${name} DROP TABLE ${target}; ALTER PUBLICATION ${name} ADD TABLE ${target}; (or use another publication)`;
  if (rel?.row_filter) {
    throw new ConfigError(`publication ${publication} has a row filter on ${schema}.${table} (WHERE ${rel.row_filter}): rows outside it would never reach Kafka. ${fix}`);
  }
  if (rel?.column_list) {
    throw new ConfigError(`publication ${publication} has a column list on ${schema}.${table}: the other columns would never reach Kafka. ${fix}`);
  }
  if (allTables) return;
  const [member] = await sql`select 1 from pg_publication_tables where pubname = ${publication} and schemaname = ${schema} and tablename = ${table}`;
  if (!member) await sql.unsafe(`alter publication ${name} add table ${target}`);
}

export async function slotState(sql: Sql, slot: string): Promise<SlotState | undefined> {
  const [row] = await sql<{ wal_status: string | null; confirmed_flush_lsn: string | null; active: boolean }[]>`
    select wal_status, confirmed_flush_lsn::text, active from pg_replication_slots where slot_name = ${slot}`;
  return row ? { walStatus: row.wal_status, confirmedFlushLsn: row.confirmed_flush_lsn, active: row.active } : undefined;
}

/** WAL the slot holds back, in bytes (null when the slot is gone). */
/**
 * The slot's lag: WAL bytes behind the server's current position (a standby's replay position), and seconds (the walsender's
 * flush_lag: how long the last WAL flushed took to be confirmed; PostgreSQL shows NULL once the
 * slot has caught up and nothing moves, which counts as 0).
 */
export async function slotLagBytes(sql: Sql, slot: string): Promise<{ lag: number; walStatus: string | null; lagSeconds: number } | undefined> {
  const [row] = await sql<{ lag: string | null; wal_status: string | null; lag_seconds: number | null }[]>`
    select pg_wal_lsn_diff(case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end, s.confirmed_flush_lsn)::int8::text as lag, s.wal_status,
           extract(epoch from r.flush_lag)::float8 as lag_seconds
      from pg_replication_slots s left join pg_stat_replication r on r.pid = s.active_pid
     where s.slot_name = ${slot}`;
  return row ? { lag: Number(row.lag ?? 0), walStatus: row.wal_status, lagSeconds: row.lag_seconds ?? 0 } : undefined;
}

export async function dropSlot(sql: Sql, slot: string): Promise<boolean> {
  const [row] = await sql<{ dropped: boolean }[]>`
    select pg_drop_replication_slot(slot_name) is not null as dropped from pg_replication_slots where slot_name = ${slot}`;
  return row !== undefined;
}

export function lostSlotMessage(slot: string, detail: string): string {
  return (
    `replication slot ${slot} ${detail}: changes made since the last committed position may be lost, ` +
    'so the producer stops instead of silently creating a new slot. To recover, run ' +
    '`buyonline-producer resnapshot` (drops the slot and the stored position; the next run takes a fresh consistent snapshot), ' +
    'then start the producer again.'
  );
}

/**
 * What a table's replica identity costs: without FULL, updates and deletes carry only the key
 * as their before-image, and an unchanged TOASTed value is not in the WAL at all.
 */
export async function checkReplicaIdentity(sql: Sql, schema: string, table: string, mode: 'warn' | 'require-full'): Promise<string | undefined> {
  const [row] = await sql<{ ident: string }[]>`
    select c.relreplident::text as ident from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = ${schema} and c.relname = ${table}`;
  if (!row || row.ident === 'f') return undefined;
  const name = { d: 'DEFAULT', n: 'NOTHING', i: 'USING INDEX' }[row.ident] ?? row.ident;
  const message =
    `table ${schema}.${table} has REPLICA IDENTITY ${name}: updates and deletes carry only the key as their before-image, ` +
    'and an unchanged TOASTed value (a large text/bytea/jsonb not touched by an update) is not in the WAL, so such a column is left out of ' +
    `the record (listed in unchanged_toast, never written as null). To capture everything: ALTER TABLE ${qualified(schema, table)} REPLICA IDENTITY FULL`;
  if (mode === 'require-full') throw new ConfigError(`${message} (REPLICA_IDENTITY_CHECK=require-full refuses to start without it)`);
  return message;
}

import { ConnectionError, describeError } from '@buyonline/connect-api';
import type { ReservedSql, Sql } from 'postgres';
import { qualified } from '../sql-identifiers.ts';
import { type TableRef, tableName } from '../tables.ts';

/** SQLSTATE of a lock not granted at once (LOCK … NOWAIT). */
const LOCK_NOT_AVAILABLE = '55P03';
/** Times the readers let go of their locks for a TRUNCATE or ALTER TABLE waiting between them, before giving up. */
const OPEN_ATTEMPTS = 5;

/**
 * Transactions that all see one snapshot: the slot's exported snapshot (exactly where streaming
 * starts), or a new one taken now. The first transaction holds it and exports it; the others
 * import it with SET TRANSACTION SNAPSHOT, so tables can be read in parallel, consistently.
 *
 * TRUNCATE and the table-rewriting forms of ALTER TABLE are not MVCC-safe: once committed, they
 * show an older snapshot the table empty. So every reader locks the tables to read in ACCESS
 * SHARE mode (which conflicts with nothing else: writes go on) and holds the locks until the
 * readers close: such a command waits until the snapshot is read. A new snapshot is taken after
 * the first reader's locks, so nothing slips in between; the slot's exported snapshot is older
 * than the locks, which `rewrittenTables` checks.
 *
 * Each reader takes its locks at once: a reader asking for a table's lock later, with a TRUNCATE
 * waiting for the first reader's lock, would queue behind that TRUNCATE while the first reader
 * waits for it, a deadlock PostgreSQL cannot see. So a later reader locks without waiting (it can
 * only wait for such a TRUNCATE), and if it cannot, every reader lets go and starts over.
 */
export class SnapshotReaders {
  private constructor(
    readonly readers: readonly ReservedSql[],
    /** pg_current_snapshot() of the shared snapshot (what a resumed snapshot stores in its segments). */
    readonly snapshot: string,
    private readonly tables: readonly TableRef[],
  ) {}

  static async open(sql: Sql, count: number, exported: string | null, tables: readonly TableRef[]): Promise<SnapshotReaders> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await SnapshotReaders.openOnce(sql, count, exported, tables);
      } catch (err) {
        if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw err;
        if (attempt >= OPEN_ATTEMPTS) {
          throw new ConnectionError(`the snapshot could not lock its tables: a TRUNCATE or ALTER TABLE of one kept coming first (${attempt} times): ${describeError(err)}`, { cause: err });
        }
      }
    }
  }

  private static async openOnce(sql: Sql, count: number, exported: string | null, tables: readonly TableRef[]): Promise<SnapshotReaders> {
    const readers: ReservedSql[] = [];
    const lock = tables.length > 0 ? `lock table ${tables.map((t) => qualified(t.schema, t.table)).join(', ')} in access share mode` : undefined;
    try {
      const leader = await sql.reserve();
      readers.push(leader);
      await leader.unsafe('begin isolation level repeatable read read only');
      if (exported !== null) await leader.unsafe(`set transaction snapshot '${exported.replaceAll("'", "''")}'`);
      // LOCK TABLE takes no snapshot: a snapshot taken now is taken after the locks are held.
      if (lock) await leader.unsafe(lock);
      const [snap] = await leader.unsafe<{ snapshot: string; exported: string | null }[]>(
        `select pg_current_snapshot()::text as snapshot, ${count > 1 ? 'pg_export_snapshot()' : 'null::text'} as exported`,
      );
      for (let i = 1; i < count; i++) {
        const follower = await sql.reserve();
        readers.push(follower);
        await follower.unsafe('begin isolation level repeatable read read only');
        await follower.unsafe(`set transaction snapshot '${(snap?.exported ?? '').replaceAll("'", "''")}'`);
        if (lock) await follower.unsafe(`${lock} nowait`);
      }
      return new SnapshotReaders(readers, snap?.snapshot ?? '', tables);
    } catch (err) {
      await release(readers);
      throw err;
    }
  }

  /**
   * The tables (their partitions included) whose storage was replaced after the shared snapshot,
   * by a TRUNCATE or a rewrite that committed before the locks were taken: the snapshot would read
   * them empty. The catalog row as the snapshot sees it is compared with the one in use now
   * (VACUUM FULL and CLUSTER, which are MVCC-safe, are named too).
   */
  async rewrittenTables(): Promise<string[]> {
    if (this.tables.length === 0) return [];
    const rows = await (this.readers[0] as ReservedSql).unsafe<{ at: number }[]>(
      `with t as (select n.at, n.name::regclass::oid as relid from unnest($1::text[]) with ordinality as n(name, at)),
            stored as (select at, relid from t union select t.at, p.relid::oid from t cross join lateral pg_partition_tree(t.relid) as p)
       select distinct s.at::int as at
         from stored s left join pg_class c on c.oid = s.relid
        where pg_relation_filenode(s.relid) is not null
          and c.relfilenode is distinct from pg_relation_filenode(s.relid)
        order by 1`,
      [this.tables.map((t) => qualified(t.schema, t.table))],
    );
    return rows.map((r) => tableName(this.tables[r.at - 1] as TableRef));
  }

  async close(): Promise<void> {
    await release(this.readers);
  }
}

async function release(readers: readonly ReservedSql[]): Promise<void> {
  for (const reader of readers) {
    await reader.unsafe('rollback').catch(() => undefined);
    reader.release();
  }
}

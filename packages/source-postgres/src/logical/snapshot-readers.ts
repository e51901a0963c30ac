import type { ReservedSql, Sql } from 'postgres';

/**
 * Transactions that all see one snapshot: the slot's exported snapshot (exactly where streaming
 * starts), or a new one taken now. The first transaction holds it and exports it; the others
 * import it with SET TRANSACTION SNAPSHOT, so tables can be read in parallel, consistently.
 */
export class SnapshotReaders {
  private constructor(
    readonly readers: readonly ReservedSql[],
    /** pg_current_snapshot() of the shared snapshot (what a resumed snapshot stores in its segments). */
    readonly snapshot: string,
  ) {}

  static async open(sql: Sql, count: number, exported: string | null): Promise<SnapshotReaders> {
    const readers: ReservedSql[] = [];
    try {
      const leader = await sql.reserve();
      readers.push(leader);
      await leader.unsafe('begin isolation level repeatable read read only');
      if (exported !== null) await leader.unsafe(`set transaction snapshot '${exported.replaceAll("'", "''")}'`);
      const [snap] = await leader.unsafe<{ snapshot: string; exported: string | null }[]>(
        `select pg_current_snapshot()::text as snapshot, ${count > 1 ? 'pg_export_snapshot()' : 'null::text'} as exported`,
      );
      for (let i = 1; i < count; i++) {
        const follower = await sql.reserve();
        readers.push(follower);
        await follower.unsafe('begin isolation level repeatable read read only');
        await follower.unsafe(`set transaction snapshot '${(snap?.exported ?? '').replaceAll("'", "''")}'`);
      }
      return new SnapshotReaders(readers, snap?.snapshot ?? '');
    } catch (err) {
      await release(readers);
      throw err;
    }
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

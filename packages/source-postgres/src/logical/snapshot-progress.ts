import { describeError, type PluginContext } from '@buyonline/connect-api';
import type { Sql } from 'postgres';

/**
 * How far each table's snapshot is, for `status` and the snapshot metrics: rows read so far
 * against PostgreSQL's estimate of the table's rows (pg_class.reltuples, read when the snapshot
 * starts; -1 — never analysed — counts as unknown). Reported per chunk, never per row.
 */
export class SnapshotProgress {
  private readonly tables = new Map<string, { done: number; total: number | null }>();

  constructor(private readonly ctx: PluginContext) {}

  /** Reads the row estimates of the tables about to be snapshotted, and reports them at 0 rows. */
  async begin(sql: Sql, tables: readonly { name: string; ref: { schema: string; table: string } }[], phase: string): Promise<void> {
    if (tables.length === 0) return;
    const schemas = tables.map((t) => t.ref.schema);
    const names = tables.map((t) => t.ref.table);
    const rows = await sql<{ name: string; estimate: number | null }[]>`
      select n.nspname || '.' || c.relname as name, c.reltuples::float8 as estimate
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        join unnest(${sql.array(schemas)}::text[], ${sql.array(names)}::text[]) as t(s, r) on t.s = n.nspname and t.r = c.relname`.catch((err: unknown) => {
      // progress without a total: the snapshot itself goes on
      this.ctx.logger.warn({ err: describeError(err) }, 'cannot read the row estimates of the tables to snapshot (pg_class.reltuples)');
      return [];
    });
    const estimates = new Map(rows.map((r) => [r.name, r.estimate]));
    for (const { name } of tables) {
      const estimate = estimates.get(name);
      const total = estimate === undefined || estimate === null || estimate < 0 ? null : Math.round(estimate);
      this.tables.set(name, { done: 0, total });
      this.report(name, phase);
    }
  }

  /** A chunk of `rows` rows of `table` was read; `last` when it was the table's last. */
  chunk(table: string, rows: number, phase: string): void {
    let progress = this.tables.get(table);
    if (!progress) {
      progress = { done: 0, total: null };
      this.tables.set(table, progress);
    }
    progress.done += rows;
    this.ctx.metrics.count('source_snapshot_rows_total', rows, { table });
    this.report(table, phase);
  }

  /** The table's snapshot is done: it streams now, and its total is what was read. */
  finished(table: string): void {
    const progress = this.tables.get(table) ?? { done: 0, total: null };
    progress.total = progress.done;
    this.tables.set(table, progress);
    this.report(table, 'stream');
  }

  private report(table: string, phase: string): void {
    const progress = this.tables.get(table);
    if (!progress) return;
    this.ctx.metrics.gauge('source_snapshot_read_rows', progress.done, { table });
    if (progress.total !== null) this.ctx.metrics.gauge('source_snapshot_estimated_rows', progress.total, { table });
    this.ctx.status?.report('table', table, { phase, done: progress.done, total: progress.total });
  }
}

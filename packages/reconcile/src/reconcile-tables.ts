import { ConfigError, type PluginContext, Redacted } from '@buyonline/connect-api';
import type { StageSinkConfig } from '@buyonline/sink-stage';
import { type ReconcileStageOptions, reconcileStage } from './compare.ts';
import { allEqual, type ReconcileRun, type TableResult } from './report.ts';
import { DEFAULT_EXCLUDED_COLUMNS, type ReconcileTable, tableShape } from './shape.ts';
import { readStageLinesFor } from './stage-lines.ts';
import { readCatalogColumns, readSourceRows, reconcileSql } from './source-rows.ts';

export interface ReconcileOptions {
  /** PostgreSQL holding the tables (a plain or Redacted URL). */
  pgUrl: string | Redacted<string>;
  /** The tables to compare, each with its topic(s): one entry per captured table. */
  tables: readonly ReconcileTable[];
  /** Where the stage is: the sink's config (local directory, or the Snowflake table COPY INTO fills). */
  sink: StageSinkConfig;
  /** Columns the source leaves out of its records, so not compared (default: cdc_txid, cdc_version). */
  excludeColumns?: readonly string[] | undefined;
  /** Sort runs, memory and list limits (defaults: OS temp dir, 100,000 keys, 64 runs, 1,000 keys listed). */
  tuning?: ReconcileStageOptions | undefined;
}

const reveal = (url: string | Redacted<string>) => (url instanceof Redacted ? url.reveal() : url);

function stageLabelOf(sink: StageSinkConfig): string {
  if (sink.stage !== 'snowflake') return `directory ${sink.dir}`;
  return sink.tableFormat === 'typed' ? `Snowflake current-state tables in ${sink.database}.${sink.schema}` : `Snowflake table ${sink.database}.${sink.schema}.${sink.targetTable}`;
}

/**
 * Compares each table's rows in PostgreSQL with the latest state per key in its topic's
 * stage lines, one table after the other, in bounded memory (reconcileStage). A table that
 * cannot be reconciled (no primary key) is skipped with a warning and reported as such.
 */
export async function reconcileTables(options: ReconcileOptions, ctx: PluginContext): Promise<ReconcileRun> {
  if (options.tables.length === 0) throw new ConfigError('reconcile: no table to compare');
  const { sink } = options;
  const exclude = options.excludeColumns ?? DEFAULT_EXCLUDED_COLUMNS;
  const sql = reconcileSql(reveal(options.pgUrl));
  const results: TableResult[] = [];
  try {
    for (const ref of options.tables) {
      const base = { schema: ref.schema, table: ref.table, topics: typeof ref.topic === 'string' ? [ref.topic] : [...ref.topic] };
      const shaped = tableShape(ref, await readCatalogColumns(sql, ref), exclude);
      if (!shaped.ok) {
        ctx.logger.warn({ table: `${ref.schema}.${ref.table}`, reason: shaped.reason }, 'reconcile: table skipped');
        results.push({ ...base, status: 'skipped', reason: shaped.reason });
        continue;
      }
      const { shape } = shaped;
      const lines = readStageLinesFor(sink, shape.topics, ctx);
      const { report, stats } = await reconcileStage(shape, readSourceRows(sql, shape), lines, options.tuning);
      ctx.logger.debug({ table: shape.name, ...stats }, 'reconcile: stage read');
      const keyColumns = shape.key.map((i) => shape.columns[i]?.name ?? '');
      results.push({ ...base, status: report.equal ? 'equal' : 'mismatch', keyColumns, report, stats });
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  return { equal: allEqual(results), tables: results, stageLabel: stageLabelOf(sink) };
}

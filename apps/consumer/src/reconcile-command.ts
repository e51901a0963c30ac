import { createLogger, type LogLevel, PrometheusMetrics } from '@buyonline/app-runtime';
import { ConfigError, type PluginContext, Redacted } from '@buyonline/connect-api';
import type { StageSinkConfig } from '@buyonline/sink-stage';
import { type ConsumerEnv, sinkConfigFrom } from './env.ts';
import { type ReconcileStageOptions, reconcileStage } from './reconcile.ts';
import { allEqual, jsonReport, renderReport, type TableResult } from './reconcile-report.ts';
import { DEFAULT_EXCLUDED_COLUMNS, type ReconcileTable, tableShape } from './reconcile-shape.ts';
import { parsePgTable, readCatalogColumns, readSourceRows, readStageLinesFor, reconcileSql } from './reconcile-sources.ts';

/** Exit code of `reconcile` when the stage differs from PostgreSQL. */
export const MISMATCH = 3;

export type { ReconcileTable } from './reconcile-shape.ts';

export interface ReconcileOptions {
  /** PostgreSQL holding the tables (a plain or Redacted URL). */
  pgUrl: string | Redacted<string>;
  /** The tables to compare, each with its topic(s): one entry per captured table. */
  tables: readonly ReconcileTable[];
  /** Where the stage is: the sink's config (local directory, or the Snowflake table COPY INTO fills). */
  sink: StageSinkConfig;
  /** Columns the source leaves out of its records, so not compared (default: cdc_txid, cdc_version). */
  excludeColumns?: readonly string[] | undefined;
  /** Print the report as one JSON line `{"reconcile": …}` instead of text. */
  json?: boolean | undefined;
  /** Logs go to stdout with the report: only warnings and errors unless `debug`. */
  logLevel?: LogLevel | undefined;
  /** Sort runs, memory and list limits (defaults: OS temp dir, 100,000 keys, 64 runs, 1,000 keys listed). */
  tuning?: ReconcileStageOptions | undefined;
}

/** What a run found, and the label of the stage it read. */
export interface ReconcileRun {
  equal: boolean;
  tables: TableResult[];
  stageLabel: string;
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

/** The one table today's environment names: PG_URL, PG_TABLE (`schema.table` or `table`) and TOPIC (comma-separated). */
export function reconcileOptionsFromEnv(env: ConsumerEnv, flags: { json: boolean }): ReconcileOptions {
  if (!env.PG_URL || !env.PG_TABLE) throw new ConfigError('reconcile needs PG_URL and PG_TABLE');
  return {
    pgUrl: env.PG_URL,
    tables: [{ ...parsePgTable(env.PG_TABLE), topic: env.TOPIC.split(',').map((t) => t.trim()) }],
    sink: sinkConfigFrom(env),
    json: flags.json,
    logLevel: env.LOG_LEVEL,
  };
}

/**
 * `buyonline-consumer reconcile`: PostgreSQL's rows of every given table (a cursor, in key
 * order) against the latest state per key of its topic's stage lines (streamed, reduced with
 * an external sort in the OS temp dir). Prints the report (one JSON line with `json`) and
 * returns the exit code: 0 every compared table equal, 3 a mismatch. Called with the
 * consumer's environment, it compares the one table PG_TABLE names.
 */
export async function runReconcile(options: ReconcileOptions): Promise<number>;
export async function runReconcile(env: ConsumerEnv, flags: { json: boolean }): Promise<number>;
export async function runReconcile(input: ReconcileOptions | ConsumerEnv, flags?: { json: boolean }): Promise<number> {
  const options = 'tables' in input ? input : reconcileOptionsFromEnv(input, flags ?? { json: false });
  const logger = createLogger('consumer', options.logLevel === 'debug' ? 'debug' : 'warn');
  const ctx = { logger, metrics: new PrometheusMetrics('buyonline_consumer'), now: Date.now };
  const run = await reconcileTables(options, ctx);
  if (options.json) process.stdout.write(`${JSON.stringify({ reconcile: jsonReport(run.tables, run.stageLabel) })}\n`);
  else process.stdout.write(renderReport(run.tables, run.stageLabel));
  return run.equal ? 0 : MISMATCH;
}

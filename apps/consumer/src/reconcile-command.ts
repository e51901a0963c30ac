import { ConfigError } from '@buyonline/connect-api';
import { createLogger, PrometheusMetrics } from '@buyonline/app-runtime';
import { type ConsumerEnv, sinkConfigFrom } from './env.ts';
import { reconcileStage, renderReport } from './reconcile.ts';
import { readLocalStageLines, readSnowflakeLines, readSourceRows } from './reconcile-sources.ts';

/** Exit code of `reconcile` when the stage differs from PostgreSQL. */
export const MISMATCH = 3;

/**
 * `buyonline-consumer reconcile`: PostgreSQL's rows (a cursor, in id order) against the latest
 * state per key of the stage (lines streamed, reduced with an external sort in the OS temp
 * dir). Prints the report (one JSON line with `json`) and returns the exit code.
 */
export async function runReconcile(env: ConsumerEnv, options: { json: boolean }): Promise<number> {
  if (!env.PG_URL || !env.PG_TABLE) throw new ConfigError('reconcile needs PG_URL and PG_TABLE');
  // logs would mix with the report on stdout: only warnings and errors unless asked for more
  const logger = createLogger('consumer', env.LOG_LEVEL === 'debug' ? 'debug' : 'warn');
  const ctx = { logger, metrics: new PrometheusMetrics('buyonline_consumer'), now: Date.now };
  const sink = sinkConfigFrom(env);
  const topics = env.TOPIC.split(',').map((t) => t.trim());
  const lines = sink.stage === 'snowflake' ? await readSnowflakeLines(sink, topics, ctx) : readLocalStageLines(sink.dir, topics);
  const { report, stats } = await reconcileStage(readSourceRows(env.PG_URL, env.PG_TABLE), lines);
  logger.debug({ ...stats }, 'reconcile: stage read');
  const stageLabel = sink.stage === 'snowflake' ? `Snowflake table ${sink.database}.${sink.schema}.${sink.targetTable}` : `directory ${sink.dir}`;
  if (options.json) process.stdout.write(`${JSON.stringify({ reconcile: { ...report, lines: stats.lines, stageLabel } })}\n`);
  else process.stdout.write(renderReport(report, { source: `PostgreSQL ${env.PG_TABLE}`, stage: `${stageLabel} (${stats.lines} lines)` }));
  return report.equal ? 0 : MISMATCH;
}

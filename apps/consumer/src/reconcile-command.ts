import { createLogger, type LogLevel, PrometheusMetrics } from '@buyonline/app-runtime';
import { ConfigError } from '@buyonline/connect-api';
import { parsePgTable, type ReconcileOptions, reconcileOutput, reconcileTables } from '@buyonline/reconcile';
import { type ConsumerEnv, sinkConfigFrom } from './env.ts';

/** What `reconcile` compares (@buyonline/reconcile's options), and how the command prints it. */
export interface ReconcileCommandOptions extends ReconcileOptions {
  /** Print the report as one JSON line `{"reconcile": …}` instead of text. */
  json?: boolean | undefined;
  /** Logs go to stdout with the report: only warnings and errors unless `debug`. */
  logLevel?: LogLevel | undefined;
}

/** The one table today's environment names: PG_URL, PG_TABLE (`schema.table` or `table`) and TOPIC (comma-separated). */
export function reconcileOptionsFromEnv(env: ConsumerEnv, flags: { json: boolean }): ReconcileCommandOptions {
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
 * an external sort in the OS temp dir), by @buyonline/reconcile. Prints the report (one JSON
 * line with `json`) and returns the exit code: 0 every compared table equal, 3 a mismatch.
 */
export async function runReconcile(options: ReconcileCommandOptions): Promise<number> {
  const logger = createLogger('consumer', options.logLevel === 'debug' ? 'debug' : 'warn');
  const ctx = { logger, metrics: new PrometheusMetrics('buyonline_consumer'), now: Date.now };
  const { text, exitCode } = reconcileOutput(await reconcileTables(options, ctx), options.json === true);
  process.stdout.write(text);
  return exitCode;
}

import { describeError, type Logger, type MetricSpec, type Metrics } from '@buyonline/connect-api';
import type { TableMetrics } from '@buyonline/reconcile';

/** One table's verdict of a verification (reconcile's verifyMetrics, the `--json` line's `metrics`). */
export type VerifiedTable = TableMetrics;

/** The verify loop's gauges, one series per table (`schema.table`); only the member that verifies publishes them. */
export const VERIFY_LOOP_METRICS: readonly MetricSpec[] = [
  { name: 'verify_last_run_timestamp_seconds', type: 'gauge', help: "When the table's last verification ran (its point; a failed run: when it failed), Unix seconds." },
  { name: 'verify_last_result', type: 'gauge', help: "The table's last verification: 1 equal, 0 differences, -1 failed (or the table was skipped)." },
  { name: 'verify_rows_compared', type: 'gauge', help: 'Rows compared by the last verification (PostgreSQL rows plus stage keys).' },
  { name: 'verify_ranges_mismatched', type: 'gauge', help: 'Key ranges whose hashes differed in the last verification (before any repair).' },
  { name: 'verify_ranges_repaired', type: 'gauge', help: 'Key ranges the last verification repaired (snapshotted again, then equal).' },
  { name: 'verify_stale', type: 'gauge', help: 'Alert on it: 1 when the table has not verified EQUAL for VERIFY_STALE_SECONDS, else 0.' },
];

const RESULT = { equal: 1, mismatch: 0, skipped: -1 } as const;

/** The verify loop's metrics: each run's verdict per table, and whether a table's last EQUAL verification is too old. */
export class VerifyGauges {
  private readonly lastEqual = new Map<string, number>();
  /** When this member began to verify (undefined while it does not): a table never seen equal is stale that long after it. */
  private since: number | undefined;

  constructor(
    private readonly metrics: Metrics,
    private readonly staleMs: number,
  ) {}

  recorded(tables: readonly VerifiedTable[], now: number): void {
    for (const t of tables) {
      const at = Date.parse(t.lastVerifiedAt);
      const labels = { table: t.table };
      if (t.result === 'equal') this.lastEqual.set(t.table, at);
      this.metrics.gauge('verify_last_run_timestamp_seconds', at / 1000, labels);
      this.metrics.gauge('verify_last_result', RESULT[t.result], labels);
      this.metrics.gauge('verify_rows_compared', t.rowsCompared, labels);
      this.metrics.gauge('verify_ranges_mismatched', t.rangesMismatched, labels);
      this.metrics.gauge('verify_ranges_repaired', t.rangesRepaired, labels);
    }
    this.refreshStale(tables.map((t) => t.table), now);
  }

  failed(tables: readonly string[], now: number): void {
    for (const table of tables) {
      this.metrics.gauge('verify_last_run_timestamp_seconds', now / 1000, { table });
      this.metrics.gauge('verify_last_result', -1, { table });
    }
    this.refreshStale(tables, now);
  }

  /** This member stopped verifying: its verify_stale says 0, so that the member that verifies now alone decides an alert. */
  resigned(tables: readonly string[]): void {
    if (this.since === undefined) return;
    this.since = undefined;
    for (const table of tables) this.metrics.gauge('verify_stale', 0, { table });
  }

  refreshStale(tables: readonly string[], now: number): void {
    this.since ??= now;
    for (const table of tables) this.metrics.gauge('verify_stale', now - (this.lastEqual.get(table) ?? this.since) > this.staleMs ? 1 : 0, { table });
  }
}

export interface VerifyLoopOptions {
  intervalMs: number;
  /** Whether this member verifies now: one member of the group does (main: the owner of partition 0 of the first topic). */
  isLeader: () => boolean;
  /** The tables verified (`schema.table`): a failed run marks each. */
  tables: readonly string[];
  /** One verification, as the `verify` command runs it. */
  verify: () => Promise<VerifiedTable[]>;
  gauges: VerifyGauges;
  logger: Logger;
  now: () => number;
}

/**
 * `verify` every interval inside `stream`: a tick starts a run only on the leader and only when
 * the last run has ended (runs never overlap); a failed run is `verify_last_result` -1 and a
 * warning, and the next tick tries again. Each tick on the leader refreshes `verify_stale`, so
 * it turns 1 also while a run hangs.
 */
export class VerifyLoop {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: VerifyLoopOptions) {}

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** No run starts after this; one under way is left to end (or to die with the process). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One tick; returns the run it started, if it started one. */
  tick(): Promise<void> | undefined {
    const { isLeader, gauges, tables, now, logger } = this.options;
    if (!isLeader()) {
      gauges.resigned(tables);
      return undefined;
    }
    gauges.refreshStale(tables, now());
    if (this.running) {
      logger.debug({}, 'verify loop: the last run is still going; skipping this interval');
      return undefined;
    }
    const run = this.runOnce().finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async runOnce(): Promise<void> {
    const { verify, gauges, tables, now, logger } = this.options;
    try {
      const verified = await verify();
      gauges.recorded(verified, now());
      logger.info({ tables: verified.map((t) => ({ table: t.table, result: t.result, rangesMismatched: t.rangesMismatched, rangesRepaired: t.rangesRepaired })) }, 'verify loop: run done');
    } catch (err) {
      gauges.failed(tables, now());
      logger.warn({ err: describeError(err) }, 'verify loop: run failed; trying again next interval');
    }
  }
}

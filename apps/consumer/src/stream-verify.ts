import type { PrometheusMetrics } from '@buyonline/app-runtime';
import { describeError, type PluginContext, type TopicPartitionRef } from '@buyonline/connect-api';
import { verifyMetrics } from '@buyonline/reconcile';
import type { StageSinkConfig } from '@buyonline/sink-stage';
import type { ConsumerEnv } from './env.ts';
import { verifyRunner, verifySource } from './verify-command.ts';
import { verifyFlagsSchema } from './verify-flags.ts';
import { VERIFY_LOOP_METRICS, VerifyGauges, VerifyLoop } from './verify-loop.ts';

/**
 * `stream` with VERIFY_INTERVAL_SECONDS: the verify command's run (VERIFY_* as its flags) every
 * interval, on the one member of the group that owns partition 0 of the first captured topic
 * (by name); its verdicts become the verify_* gauges of the consumer's /metrics. A bad pipeline
 * file fails here, at start; the tables are resolved in PostgreSQL once it answers (tried again
 * every interval, so an outage at start does not stop the consumer).
 */
export async function startStreamVerify(env: ConsumerEnv, sink: StageSinkConfig, assigned: () => TopicPartitionRef[], ctx: PluginContext & { metrics: PrometheusMetrics }): Promise<{ stop(): void }> {
  const source = await verifySource(env.pipeline, env.vars);
  const flags = verifyFlagsSchema.parse({ rangeKeys: env.VERIFY_RANGE_KEYS, rowsPerSecond: env.VERIFY_ROWS_PER_SECOND, repair: env.VERIFY_REPAIR });
  const intervalMs = env.VERIFY_INTERVAL_SECONDS * 1000;
  ctx.metrics.declare(VERIFY_LOOP_METRICS);
  let loop: VerifyLoop | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const begin = async () => {
    try {
      const runner = await verifyRunner(source, env, sink, flags, ctx);
      if (stopped) return;
      const first = [...runner.topics].sort()[0];
      loop = new VerifyLoop({
        intervalMs,
        isLeader: () => assigned().some((p) => p.topic === first && p.partition === 0),
        tables: runner.tables,
        verify: async () => verifyMetrics(await runner.run()),
        gauges: new VerifyGauges(ctx.metrics, env.VERIFY_STALE_SECONDS * 1000),
        logger: ctx.logger,
        now: ctx.now,
      });
      loop.start();
      ctx.logger.info({ every: `${env.VERIFY_INTERVAL_SECONDS} s`, tables: runner.tables, leaderOwns: `${first}[0]`, repair: flags.repair }, 'verify loop on');
    } catch (err) {
      ctx.logger.warn({ err: describeError(err) }, 'verify loop: cannot resolve the captured tables yet; trying again next interval');
      if (!stopped) retry = setTimeout(begin, intervalMs).unref();
    }
  };
  void begin();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(retry);
      loop?.stop();
    },
  };
}

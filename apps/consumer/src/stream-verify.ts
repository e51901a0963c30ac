import type { PrometheusMetrics } from '@buyonline/app-runtime';
import type { PluginContext, TopicPartitionRef } from '@buyonline/connect-api';
import { verifyMetrics } from '@buyonline/reconcile';
import type { StageSinkConfig } from '@buyonline/sink-stage';
import type { ConsumerEnv } from './env.ts';
import { verifyRunner } from './verify-command.ts';
import { verifyFlagsSchema } from './verify-flags.ts';
import { VERIFY_LOOP_METRICS, VerifyGauges, VerifyLoop } from './verify-loop.ts';

/**
 * `stream` with VERIFY_INTERVAL_SECONDS: the verify command's run (VERIFY_* as its flags) every
 * interval, on the one member of the group that owns partition 0 of the first captured topic
 * (by name); its verdicts become the verify_* gauges of the consumer's /metrics.
 */
export async function startStreamVerify(env: ConsumerEnv, sink: StageSinkConfig, assigned: () => TopicPartitionRef[], ctx: PluginContext & { metrics: PrometheusMetrics }): Promise<VerifyLoop> {
  const flags = verifyFlagsSchema.parse({ rangeKeys: env.VERIFY_RANGE_KEYS, rowsPerSecond: env.VERIFY_ROWS_PER_SECOND, repair: env.VERIFY_REPAIR });
  const runner = await verifyRunner(env.pipeline, env.vars, env, sink, flags, ctx);
  const first = [...runner.topics].sort()[0];
  ctx.metrics.declare(VERIFY_LOOP_METRICS);
  const loop = new VerifyLoop({
    intervalMs: env.VERIFY_INTERVAL_SECONDS * 1000,
    isLeader: () => assigned().some((p) => p.topic === first && p.partition === 0),
    tables: runner.tables,
    verify: async () => verifyMetrics(await runner.run()),
    gauges: new VerifyGauges(ctx.metrics, env.VERIFY_STALE_SECONDS * 1000),
    logger: ctx.logger,
    now: ctx.now,
  });
  ctx.logger.info({ every: `${env.VERIFY_INTERVAL_SECONDS} s`, tables: runner.tables, leaderOwns: `${first}[0]`, repair: flags.repair }, 'verify loop on');
  loop.start();
  return loop;
}

#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError } from '@buyonline/connect-api';
import { createLogger, PrometheusMetrics, renderHelp, runApp, startHealthServer } from '@buyonline/app-runtime';
import { type SinkMode, SinkWorker } from '@buyonline/kafka-common';
import { setupStatements, stageSinkPlugin } from '@buyonline/sink-stage';
import { consumerEnvSchema, readConsumerEnv, sinkConfigFrom } from './env.ts';
import { runReconcile } from './reconcile-command.ts';

// snowflake-sdk bundles AWS SDK clients (for external stages, unused here) that warn about
// Node 20 on load; the warning is about their future releases, not about this program.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const COMMANDS = {
  stream: 'consume continuously, writing files into the stage, until SIGTERM/SIGINT (default)',
  batch: 'record the end offsets, drain to them, flush, commit, print a summary and exit 0',
  reconcile: 'compare PostgreSQL (PG_URL, PG_TABLE) with the latest state per key in the stage; exit 0 equal, 3 mismatch (--json: JSON)',
  'snowflake-sql': 'print the SQL that creates the Snowflake objects (SNOWFLAKE_*), then exit',
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } },
});

const command = positionals[0] ?? 'stream';
if (values.help || !(command in COMMANDS)) {
  process.stdout.write(renderHelp('Usage: buyonline-consumer [stream|batch|reconcile|snowflake-sql] [--config FILE] [--json]', COMMANDS, consumerEnvSchema));
  process.exit(values.help ? 0 : 2);
}

await runApp(undefined, async (signal) => {
  const env = readConsumerEnv(process.env, values.config);
  if (command === 'reconcile') return runReconcile(env, { json: values.json === true });
  if (command === 'snowflake-sql') {
    const sink = sinkConfigFrom(env);
    if (sink.stage !== 'snowflake') throw new ConfigError('snowflake-sql needs STAGE=snowflake');
    process.stdout.write(`${setupStatements(sink, { load: sink.load, claimsTable: sink.claimsTable }).join(';\n')};\n`);
    return 0;
  }
  const logger = createLogger('consumer', env.LOG_LEVEL);
  const sink = sinkConfigFrom(env);
  const metrics = new PrometheusMetrics('buyonline_consumer');
  const ctx = { logger, metrics, now: Date.now };
  const worker = new SinkWorker({
    task: stageSinkPlugin.create(sink, ctx),
    kafka: { brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID },
    registryUrl: env.SCHEMA_REGISTRY_URL,
    groupId: env.CONSUMER_GROUP,
    topics: env.TOPIC.split(',').map((t) => t.trim()),
    deadLetterTopic: env.SINK_DLQ_TOPIC,
    mode: command as SinkMode,
    commitIntervalMs: env.COMMIT_INTERVAL_MS,
    tickIntervalMs: Math.min(1000, env.ROTATE_INTERVAL_MS),
    maxBatchRecords: env.MAX_BATCH_RECORDS,
    ctx,
  });
  const health = await startHealthServer(env.HEALTH_HOST, env.HEALTH_PORT, { ready: () => worker.isReady(), status: () => worker.status(), details: () => ({ mode: command }) }, metrics);
  logger.info({ health: `http://${env.HEALTH_HOST}:${health.port}/health`, topic: env.TOPIC, group: env.CONSUMER_GROUP, stage: env.STAGE, dir: env.STAGE_DIR }, 'consumer starting');
  try {
    const summary = await worker.run(signal);
    logger.info({ ...summary }, 'consumer stopped cleanly');
    if (command === 'batch') process.stdout.write(`${JSON.stringify({ summary })}\n`);
  } finally {
    await health.close();
  }
  return 0;
});

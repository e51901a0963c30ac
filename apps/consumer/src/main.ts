#!/usr/bin/env node
import { parseArgs } from 'node:util';
import {
  createLogger,
  parsePluginConfig,
  PrometheusMetrics,
  renderHelp,
  runApp,
  type SinkMode,
  SinkWorker,
  startHealthServer,
} from '@buyonline/kafka-common';
import { stageSinkPlugin } from '@buyonline/sink-stage';
import { consumerEnvSchema, readConsumerEnv } from './env.ts';

const COMMANDS = {
  stream: 'consume continuously, writing files into the stage, until SIGTERM/SIGINT (default)',
  batch: 'record the end offsets, drain to them, flush, commit, print a summary and exit 0',
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});

const command = positionals[0] ?? 'stream';
if (values.help || !(command in COMMANDS)) {
  process.stdout.write(renderHelp('Usage: buyonline-consumer [stream|batch] [--config FILE]', COMMANDS, consumerEnvSchema));
  process.exit(values.help ? 0 : 2);
}

await runApp(undefined, async (signal) => {
  const env = readConsumerEnv(process.env, values.config);
  const logger = createLogger('consumer', env.LOG_LEVEL);
  const sink = parsePluginConfig(
    stageSinkPlugin.configSchema,
    { dir: env.STAGE_DIR, flushRecords: env.FLUSH_RECORDS, flushBytes: env.FLUSH_BYTES, rotateIntervalMs: env.ROTATE_INTERVAL_MS },
    { dir: 'STAGE_DIR', flushRecords: 'FLUSH_RECORDS', flushBytes: 'FLUSH_BYTES', rotateIntervalMs: 'ROTATE_INTERVAL_MS' },
  );
  const metrics = new PrometheusMetrics('buyonline_consumer');
  const ctx = { logger, metrics, now: Date.now };
  const worker = new SinkWorker({
    task: stageSinkPlugin.create(sink, ctx),
    kafka: { brokers: env.KAFKA_BROKERS.split(',').map((b) => b.trim()), clientId: env.KAFKA_CLIENT_ID },
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
  const health = await startHealthServer(env.HEALTH_HOST, env.HEALTH_PORT, { ready: () => worker.isReady(), details: () => ({ mode: command }) }, metrics);
  logger.info({ health: `http://${env.HEALTH_HOST}:${health.port}/health`, topic: env.TOPIC, group: env.CONSUMER_GROUP, stage: env.STAGE_DIR }, 'consumer starting');
  try {
    const summary = await worker.run(signal);
    logger.info({ ...summary }, 'consumer stopped cleanly');
    if (command === 'batch') process.stdout.write(`${JSON.stringify({ summary })}\n`);
  } finally {
    await health.close();
  }
  return 0;
});

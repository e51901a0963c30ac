#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError } from '@buyonline/connect-api';
import { createLogger, PrometheusMetrics, renderHelp, runApp, startHealthServer } from '@buyonline/app-runtime';
import { clearSourceOffset, SourceWorker } from '@buyonline/kafka-common';
import { dropSlot, migrateProducts, postgresSourcePlugin } from '@buyonline/source-postgres';
import postgres from 'postgres';
import { producerEnvSchema, readProducerEnv, sourceConfigFrom } from './env.ts';
import { seedProducts, touchProducts } from './seed.ts';

const COMMANDS = {
  run: 'capture changes of the table into Kafka until SIGTERM/SIGINT (default)',
  migrate: 'create or upgrade the table, its trigger and CDC columns, then exit',
  seed: 'insert --rows N demo products (and --updates M price changes), then exit',
  resnapshot: 'recover from a lost slot: drop the slot and the stored position; the next run snapshots afresh',
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    rows: { type: 'string', default: '1000' },
    updates: { type: 'string', default: '0' },
  },
});

const command = positionals[0] ?? 'run';
if (values.help || !(command in COMMANDS)) {
  process.stdout.write(renderHelp('Usage: buyonline-producer [run|migrate|seed] [--config FILE]', COMMANDS, producerEnvSchema));
  process.exit(values.help ? 0 : 2);
}

await runApp(undefined, async (signal) => {
  const env = readProducerEnv(process.env, values.config);
  const logger = createLogger('producer', env.LOG_LEVEL);
  const source = sourceConfigFrom(env);
  const kafka = { brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID };

  if (command === 'resnapshot') {
    const sql = postgres(source.url.reveal(), { max: 1, onnotice: () => undefined });
    try {
      const [db] = await sql<{ db: string }[]>`select current_database() as db`;
      const dropped = await dropSlot(sql, source.slot);
      const partition = { db: db?.db ?? '', table: `${source.table.schema}.${source.table.table}`, slot: source.slot };
      await clearSourceOffset(kafka, env.OFFSETS_TOPIC, env.CONNECTOR_NAME, partition, env.TRANSACTIONAL_ID ?? env.CONNECTOR_NAME);
      logger.info({ slot: source.slot, droppedSlot: dropped, partition }, 'slot and stored position cleared: the next run takes a fresh snapshot');
    } finally {
      await sql.end({ timeout: 5 });
    }
    return 0;
  }

  if (command === 'migrate' || command === 'seed') {
    const sql = postgres(source.url.reveal(), { max: 1, onnotice: () => undefined });
    try {
      await migrateProducts(sql, source.table.schema, source.table.table);
      if (command === 'seed') {
        const rows = Number(values.rows);
        const updates = Number(values.updates);
        if (!Number.isInteger(rows) || rows < 0) throw new ConfigError(`--rows must be a whole number, got ${values.rows}`);
        if (!Number.isInteger(updates) || updates < 0) throw new ConfigError(`--updates must be a whole number, got ${values.updates}`);
        await seedProducts(sql, source.table.schema, source.table.table, rows);
        await touchProducts(sql, source.table.schema, source.table.table, updates);
        logger.info({ rows, updates }, 'seeded');
      } else {
        logger.info({ table: `${source.table.schema}.${source.table.table}` }, 'migrated');
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
    return 0;
  }

  const metrics = new PrometheusMetrics('buyonline_producer');
  const ctx = { logger, metrics, now: Date.now };
  const worker = new SourceWorker({
    connector: env.CONNECTOR_NAME,
    task: postgresSourcePlugin.create(source, ctx),
    kafka,
    registryUrl: env.SCHEMA_REGISTRY_URL,
    offsetsTopic: env.OFFSETS_TOPIC,
    deadLetterTopic: env.SOURCE_DLQ_TOPIC,
    topics: [{ topic: env.TOPIC, numPartitions: env.TOPIC_PARTITIONS }],
    transactionalId: env.TRANSACTIONAL_ID ?? env.CONNECTOR_NAME,
    transactionTimeoutMs: env.KAFKA_TRANSACTION_TIMEOUT_MS,
    maxRecordBytes: env.MAX_RECORD_BYTES,
    stallTimeoutMs: env.HEALTH_STALL_MS,
    ctx,
  });
  const health = await startHealthServer(env.HEALTH_HOST, env.HEALTH_PORT, { ready: () => worker.isReady(), status: () => worker.status(), details: () => ({ ...worker.stats }) }, metrics);
  logger.info({ health: `http://${env.HEALTH_HOST}:${health.port}/health`, topic: env.TOPIC, table: env.PG_TABLE }, 'producer starting');
  try {
    await worker.run(signal);
  } finally {
    await health.close();
  }
  logger.info({ ...worker.stats }, 'producer stopped cleanly');
  return 0;
});

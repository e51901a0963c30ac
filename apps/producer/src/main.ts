#!/usr/bin/env node
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger, envWithConfigFile, PrometheusMetrics, printStatus, ProgressWatch, renderHelp, runApp, StatusBoard, startHealthServer, statusUrl } from '@buyonline/app-runtime';
import { ConfigError, type Logger } from '@buyonline/connect-api';
import { clearSourceOffset, SOURCE_WORKER_METRICS, SourceWorker } from '@buyonline/kafka-common';
import {
  capturePartitions,
  dropSlot,
  migrateTables,
  type PostgresSourceConfig,
  postgresSourcePlugin,
  qualifiedTable,
  requestSnapshot,
  resolveTables,
  tableName,
} from '@buyonline/source-postgres';
import postgres from 'postgres';
import { migrateDemo } from './demo/products-table.ts';
import { seedDemo } from './demo/seed.ts';
import { postgresConfigOf, type ProducerSettings, producerEnvSchema, readProducerSettings, SOURCE_SHORTCUTS } from './env.ts';
import { producerRegistry } from './plugins.ts';

const COMMANDS = {
  run: 'capture changes of the tables into Kafka until SIGTERM/SIGINT (default)',
  migrate: 'prepare the captured tables for polling (CDC columns, trigger; without a pipeline file also the demo products table), then exit',
  seed: 'insert --rows N demo products (and --updates M price changes) into the one captured table, then exit',
  resnapshot: 'recover from a lost slot: drop the slot and the stored positions; the next run snapshots afresh',
  snapshot: 'ask the running log-based capture to snapshot the named tables again (<schema>.<table> …; default: every captured table) while it streams',
  status: "ask the running producer (its health port, or --url) what it is doing: each table's phase and snapshot progress, positions, slot lag, the last Kafka commit (--json: JSON)",
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: 'string' },
    pipeline: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    rows: { type: 'string', default: '1000' },
    updates: { type: 'string', default: '0' },
    url: { type: 'string' },
    primary: { type: 'string' },
    json: { type: 'boolean' },
  },
});

const command = positionals[0] ?? 'run';
if (values.help || !(command in COMMANDS)) {
  const usage = 'Usage: buyonline-producer [run|migrate|seed|resnapshot|snapshot [TABLE…]|status] [--pipeline FILE] [--config FILE] [--rows N] [--updates M] [--url URL] [--primary URL] [--json]';
  const help = renderHelp(usage, COMMANDS, producerEnvSchema, {
    options: {
      '--pipeline FILE': 'pipeline file (YAML or JSON): the producer runs its source: and transforms: (or PIPELINE_FILE)',
      '--rows N, --updates M': 'seed: demo rows to insert, price updates to make',
      '--url URL, --json': 'status: the running producer to ask (default http://HEALTH_HOST:HEALTH_PORT/status), and JSON for scripts',
      '--primary URL': 'snapshot, when PG_URL is a standby: the primary, where the signal is written (its WAL carries it to the standby)',
    },
    shortcuts: [
      {
        title: 'Source "postgres" (pipeline file: source, these variables win over it)',
        path: 'source',
        configSchema: postgresSourcePlugin.configSchema,
        shortcuts: SOURCE_SHORTCUTS[postgresSourcePlugin.name] ?? {},
      },
    ],
  });
  process.stdout.write(help);
  process.exit(values.help ? 0 : 2);
}

function wholeNumber(flag: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${flag} must be a whole number, got ${text}`);
  return n;
}

/** The commands that work on PostgreSQL itself, with one connection. */
async function withPostgres<T>(config: PostgresSourceConfig, run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(config.url.reveal(), { max: 1, onnotice: () => undefined });
  try {
    return await run(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * `migrate`: the captured tables get what polling needs. Without a pipeline file (the demo
 * configuration) the one listed table is the demo's products table, created when missing.
 */
async function migrate(settings: ProducerSettings, logger: Logger): Promise<void> {
  const config = postgresConfigOf(settings, 'migrate');
  await withPostgres(config, async (sql) => {
    const [demo, ...more] = config.tables;
    const isDemo = !settings.pipeline && demo !== undefined && more.length === 0 && config.tableRegex === undefined && config.excludeTables.length === 0;
    const tables = isDemo ? [demo] : await resolveTables(sql, config);
    if (isDemo) await migrateDemo(sql, demo);
    else await migrateTables(sql, tables);
    logger.info({ tables: tables.map(tableName) }, 'migrated');
  });
}

/** `seed`: demo rows in the one captured table (created like `migrate` does for the demo). */
async function seed(settings: ProducerSettings, logger: Logger): Promise<void> {
  const config = postgresConfigOf(settings, 'seed');
  const [table, ...more] = config.tables;
  if (!table || more.length > 0) throw new ConfigError('seed fills the demo products table: list exactly one table (PG_TABLE or source.tables)');
  const rows = wholeNumber('--rows', values.rows);
  const updates = wholeNumber('--updates', values.updates);
  await withPostgres(config, (sql) => seedDemo(sql, table, rows, updates));
  logger.info({ table: tableName(table), rows, updates }, 'seeded');
}

/** `resnapshot`: drops the slot and every stored position of the slot's stream and its tables. */
async function resnapshot(settings: ProducerSettings, logger: Logger): Promise<void> {
  const config = postgresConfigOf(settings, 'resnapshot');
  const { env } = settings;
  const kafka = { brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID };
  await withPostgres(config, async (sql) => {
    const [row] = await sql<{ db: string }[]>`select current_database() as db`;
    const dropped = config.mode === 'logical' ? await dropSlot(sql, config.slot) : false;
    const partitions = capturePartitions(config, row?.db ?? '', await resolveTables(sql, config));
    for (const partition of partitions) await clearSourceOffset(kafka, env.OFFSETS_TOPIC, env.CONNECTOR_NAME, partition, settings.transactionalId, logger);
    logger.info({ slot: config.slot, droppedSlot: dropped, partitions }, 'slot and stored positions cleared: the next run takes a fresh snapshot');
  });
}

/** `snapshot [tables…]`: an execute-snapshot signal in the WAL; the producer snapshots those tables in chunks while it streams. */
async function snapshot(settings: ProducerSettings, logger: Logger, names: readonly string[]): Promise<void> {
  const config = postgresConfigOf(settings, 'snapshot');
  if (config.mode !== 'logical') throw new ConfigError('snapshot signals the log-based capture (CAPTURE_MODE=logical); polling reads whole tables only on its first run');
  await withPostgres(config, async (sql) => {
    const captured = await resolveTables(sql, config);
    const tables = names.length === 0 ? captured : names.map((name) => {
      const parsed = qualifiedTable.safeParse(name);
      if (!parsed.success) throw new ConfigError(`snapshot: ${name} is not <schema>.<table>`);
      if (!captured.some((t) => tableName(t) === tableName(parsed.data))) throw new ConfigError(`snapshot: ${name} is not a captured table (captured: ${captured.map(tableName).join(', ')})`);
      return parsed.data;
    });
    const primary = values.primary === undefined ? undefined : postgres(values.primary, { max: 1, onnotice: () => undefined });
    const lsn = await requestSnapshot(sql, tables, primary).finally(() => primary?.end({ timeout: 5 }));
    logger.info({ tables: tables.map(tableName), lsn }, 'execute-snapshot signal written: the producer snapshots these tables when it reads it');
  });
}

/** `status`: the running producer's GET /status, at --url or this host's HEALTH_PORT. */
function status(): Promise<number> {
  const health = producerEnvSchema.pick({ HEALTH_HOST: true, HEALTH_PORT: true }).parse(envWithConfigFile(process.env, values.config));
  return printStatus(statusUrl(values.url, health.HEALTH_HOST, health.HEALTH_PORT), values.json === true);
}

await runApp(undefined, async (signal) => {
  if (command === 'status') return status();
  const registry = producerRegistry(dirname(fileURLToPath(import.meta.url)), process.env.NODE_PATH);
  const settings = await readProducerSettings(process.env, { configFile: values.config, pipelineFile: values.pipeline }, registry);
  const { env, source } = settings;
  const logger = createLogger('producer', env.LOG_LEVEL);
  if (command === 'migrate') return migrate(settings, logger);
  if (command === 'seed') return seed(settings, logger);
  if (command === 'resnapshot') return resnapshot(settings, logger);
  if (command === 'snapshot') return snapshot(settings, logger, positionals.slice(1));

  const metrics = new PrometheusMetrics('buyonline_producer', [
    ...SOURCE_WORKER_METRICS,
    ...(source.plugin.metrics ?? []),
    ...settings.transforms.flatMap((t) => t.plugin.metrics ?? []),
  ]);
  const board = new StatusBoard('producer');
  const ctx = { logger, metrics, now: Date.now, status: board };
  const worker = new SourceWorker({
    connector: env.CONNECTOR_NAME,
    task: source.plugin.create(source.config, ctx),
    kafka: { brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID },
    registryUrl: env.SCHEMA_REGISTRY_URL,
    offsetsTopic: env.OFFSETS_TOPIC,
    deadLetterTopic: env.SOURCE_DLQ_TOPIC,
    // data topics are created the first time a record goes to one (a table, or a route)
    topics: [],
    newTopicPartitions: env.TOPIC_PARTITIONS,
    transforms: settings.transforms.map((t) => t.plugin.create(t.config, ctx)),
    transactionalId: settings.transactionalId,
    transactionTimeoutMs: env.KAFKA_TRANSACTION_TIMEOUT_MS,
    maxRecordBytes: env.MAX_RECORD_BYTES,
    maxUndeliveredBytes: env.KAFKA_UNDELIVERED_BYTES,
    stallTimeoutMs: env.HEALTH_STALL_MS,
    ctx,
  });
  const health = await startHealthServer(
    env.HEALTH_HOST,
    env.HEALTH_PORT,
    { ready: () => worker.isReady(), status: () => worker.status(), details: () => ({ ...worker.stats }), statusView: () => board.view(worker.status()) },
    metrics,
  );
  // a snapshot (initial or asked for) shows its progress on stderr: a bar on a terminal, lines in a log
  const progress = new ProgressWatch({ board, kind: 'table', label: 'snapshot', unit: 'rows', counts: (u) => u.phase === 'snapshot' || u.phase === 'incremental snapshot' });
  logger.info(
    {
      health: `http://${env.HEALTH_HOST}:${health.port}/health`,
      connector: env.CONNECTOR_NAME,
      source: source.plugin.name,
      pipeline: settings.pipeline?.file,
      transforms: settings.transforms.map((t) => t.plugin.name),
      fromEnv: source.fromEnv,
    },
    'producer starting',
  );
  try {
    await worker.run(signal);
  } finally {
    progress.stop();
    await health.close();
  }
  logger.info({ ...worker.stats }, 'producer stopped cleanly');
  return 0;
});

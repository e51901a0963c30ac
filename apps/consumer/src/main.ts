#!/usr/bin/env node
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  configOf,
  createLogger,
  envText,
  envWithConfigFile,
  PipelineFile,
  PrometheusMetrics,
  printStatus,
  ProgressBar,
  ProgressWatch,
  renderHelp,
  runApp,
  StatusBoard,
  startHealthServer,
  statusUrl,
} from '@buyonline/app-runtime';
import { ConfigError } from '@buyonline/connect-api';
import { SINK_WORKER_METRICS, type SinkMode, SinkWorker } from '@buyonline/kafka-common';
import { localStagePlugin, setupStatements, snowflakeStagePlugin, type StageSinkConfig } from '@buyonline/sink-stage';
import { topicsAtStart } from './batch-topics.ts';
import { consumerEnvSchema, readConsumerEnv, readConsumerSettings, SINK_SHORTCUTS } from './env.ts';
import { readGroupStatus, renderGroupStatus } from './group-status.ts';
import { consumerRegistry } from './plugins.ts';

// snowflake-sdk bundles AWS SDK clients (for external stages, unused here) that warn about
// Node 20 on load; the warning is about their future releases, not about this program.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const COMMANDS = {
  stream: 'consume continuously, writing files into the stage, until SIGTERM/SIGINT (default)',
  batch: 'record the end offsets, drain to them, flush, commit, print a summary and exit 0',
  reconcile: "compare PostgreSQL with the latest state per key in the stage: every table the pipeline file's source: captures (else PG_URL, PG_TABLE, TOPIC); exit 0 equal, 3 mismatch (--json: JSON)",
  verify:
    "compare PostgreSQL at a consistent point (a snapshot and its WAL position) with the stage's latest version of each key at or before it, while changes flow: waits until the slot confirmed the point and CONSUMER_GROUP committed what Kafka held then, then compares per table and range of keys (sha256 per range, keys named only where a range differs: lost, extra, changed, duplicated); needs --pipeline (its source: and sink:); exit 0 equal, 3 differences, 2 bad input (--json: JSON; --repair: snapshot the mismatched ranges again, then verify them)",
  'snowflake-sql': 'print the SQL that creates the Snowflake objects (SNOWFLAKE_*), then exit',
  status:
    'ask the running consumer (its health port, or --url) what it is doing: lag per partition (messages, seconds), files written, the last file and commit, dead letters (--json: JSON); --group: the whole consumer group from Kafka instead, running or not: every partition with its owner, committed position, end, lag and last file',
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: 'string' },
    pipeline: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    json: { type: 'boolean' },
    url: { type: 'string' },
    group: { type: 'boolean' },
    'range-keys': { type: 'string' },
    'rows-per-second': { type: 'string' },
    'wait-seconds': { type: 'string' },
    repair: { type: 'boolean' },
  },
});

const command = positionals[0] ?? 'stream';
if (values.help || !(command in COMMANDS)) {
  const usage =
    'Usage: buyonline-consumer [stream|batch|reconcile|verify|snowflake-sql|status] [--pipeline FILE] [--config FILE] [--json] [--url URL] [--group] [--range-keys N] [--rows-per-second N] [--wait-seconds N] [--repair]';
  const help = renderHelp(usage, COMMANDS, consumerEnvSchema, {
    options: {
      '--pipeline FILE': 'pipeline file (YAML or JSON): the consumer runs its sink: and sink.transforms (or PIPELINE_FILE)',
      '--json': 'reconcile, verify, status: print the report as one JSON line',
      '--range-keys N': 'verify: keys per range, hashed together (default 1000)',
      '--rows-per-second N': 'verify: PostgreSQL rows read per second at most (default: no limit)',
      '--wait-seconds N': 'verify: how long the slot and the consumer group may take to reach the point (default 120)',
      '--repair': 'verify: ask the capture for an incremental snapshot of each mismatched key range, then verify again until equal',
      '--url URL': 'status: the running consumer to ask (default http://HEALTH_HOST:HEALTH_PORT/status)',
      '--group': 'status: CONSUMER_GROUP as Kafka holds it (KAFKA_BROKERS, the topics of TOPIC/TOPIC_REGEX and those it committed to, the sink\'s stage for the last files); no member need run',
    },
    shortcuts: [
      { title: 'Sink "local-stage" (STAGE=local, the default; pipeline file: sink, these variables win over it)', path: 'sink', configSchema: localStagePlugin.configSchema, shortcuts: SINK_SHORTCUTS[localStagePlugin.name] ?? {} },
      { title: 'Sink "snowflake-stage" (STAGE=snowflake; also the four above)', path: 'sink', configSchema: snowflakeStagePlugin.configSchema, shortcuts: SINK_SHORTCUTS[snowflakeStagePlugin.name] ?? {} },
    ],
  });
  process.stdout.write(help);
  process.exit(values.help ? 0 : 2);
}

/** `status`: the running consumer's GET /status, at --url or this host's HEALTH_PORT; `--group`: the whole group, from Kafka. */
async function status(): Promise<number> {
  if (values.group) {
    const vars = envWithConfigFile(process.env, values.config);
    const file = values.pipeline ?? envText(vars, 'PIPELINE_FILE');
    const view = await readGroupStatus(readConsumerEnv(vars, undefined, file === undefined ? undefined : PipelineFile.read(file, vars)));
    process.stdout.write(values.json ? `${JSON.stringify(view)}\n` : renderGroupStatus(view));
    return 0;
  }
  const health = consumerEnvSchema.pick({ HEALTH_HOST: true, HEALTH_PORT: true }).parse(envWithConfigFile(process.env, values.config));
  return printStatus(statusUrl(values.url, health.HEALTH_HOST, health.HEALTH_PORT), values.json === true);
}

/** Reconcile shows the lines it reads and the rows it compares on stderr, per table and step: a bar on a terminal, lines in a log. */
function reconcileProgress(): { progress: (step: string, table: string, done: number) => void; stop: () => void } {
  let current: { key: string; bar: ProgressBar } | undefined;
  return {
    progress: (step, table, done) => {
      const key = `${table}: ${step}`;
      if (current?.key !== key) {
        current?.bar.finish();
        current = { key, bar: new ProgressBar({ label: `reconcile ${key}`, unit: step === 'rows compared' ? 'rows' : 'lines' }) };
      }
      current.bar.update(done);
    },
    stop: () => current?.bar.finish(),
  };
}

await runApp(undefined, async (signal) => {
  if (command === 'status') return status();
  const registry = consumerRegistry(dirname(fileURLToPath(import.meta.url)), process.env.NODE_PATH);
  const settings = await readConsumerSettings(process.env, { configFile: values.config, pipelineFile: values.pipeline }, registry);
  const { env, sink } = settings;
  // reconcile reads the stage the sink writes: the file's sink section, or STAGE (sinkConfigFrom);
  // with a pipeline file, the tables its source section captures, else PG_TABLE and TOPIC
  if (command === 'reconcile') {
    // loaded only here: reconcile reads PostgreSQL (@buyonline/reconcile), which the stream and batch runs never load
    const { reconcileOptionsFromEnv, runReconcile } = await import('./reconcile-command.ts');
    const { reconcileTargetsFromPipeline } = await import('./reconcile-targets.ts');
    const flags = { json: values.json === true };
    const vars = envWithConfigFile(process.env, values.config);
    const options = settings.pipeline?.source()
      ? await reconcileTargetsFromPipeline(settings.pipeline, vars, sink.config as StageSinkConfig, { ...flags, logLevel: env.LOG_LEVEL })
      : reconcileOptionsFromEnv(env, flags);
    const { progress, stop } = reconcileProgress();
    try {
      return await runReconcile({ ...options, tuning: { ...options.tuning, progress } });
    } finally {
      stop();
    }
  }
  if (command === 'verify') {
    // loaded only here, like reconcile: verify reads PostgreSQL
    const { parseVerifyFlags, runVerify } = await import('./verify-command.ts');
    const flags = parseVerifyFlags(values);
    const vars = envWithConfigFile(process.env, values.config);
    return runVerify(settings.pipeline, vars, env, sink.config as StageSinkConfig, { ...flags, json: values.json === true, logLevel: env.LOG_LEVEL });
  }
  if (command === 'snowflake-sql') {
    const snowflake = configOf(sink, snowflakeStagePlugin);
    if (!snowflake) throw new ConfigError('snowflake-sql needs the snowflake-stage sink (STAGE=snowflake, or sink.connector: snowflake-stage)');
    process.stdout.write(`${setupStatements(snowflake, { load: snowflake.load, claimsTable: snowflake.claimsTable }).join(';\n')};\n`);
    return 0;
  }
  const logger = createLogger('consumer', env.LOG_LEVEL);
  const metrics = new PrometheusMetrics('buyonline_consumer', [
    ...SINK_WORKER_METRICS,
    ...(sink.plugin.metrics ?? []),
    ...settings.transforms.flatMap((t) => t.plugin.metrics ?? []),
  ]);
  const board = new StatusBoard('consumer');
  const ctx = { logger, metrics, now: Date.now, status: board };
  const kafka = { brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID };
  const topics = command === 'batch' ? await topicsAtStart(kafka, settings.topics, logger) : settings.topics;
  if (topics.length === 0) throw new ConfigError(`TOPIC_REGEX ${env.TOPIC_REGEX ?? ''} matches no topic yet: a batch run drains the topics there at its start`);
  // a sink that rotates by time is asked to at least once a second
  const rotate = (sink.config as { rotateIntervalMs?: unknown }).rotateIntervalMs;
  const worker = new SinkWorker({
    task: sink.plugin.create(sink.config, ctx),
    kafka,
    registryUrl: env.SCHEMA_REGISTRY_URL,
    groupId: env.CONSUMER_GROUP,
    topics,
    deadLetterTopic: env.SINK_DLQ_TOPIC,
    mode: command as SinkMode,
    commitIntervalMs: env.COMMIT_INTERVAL_MS,
    tickIntervalMs: typeof rotate === 'number' ? Math.min(1000, rotate) : 1000,
    maxBatchRecords: env.MAX_BATCH_RECORDS,
    prefetchBytes: env.KAFKA_PREFETCH_BYTES,
    transforms: settings.transforms.map((t) => t.plugin.create(t.config, ctx)),
    ctx,
  });
  const health = await startHealthServer(
    env.HEALTH_HOST,
    env.HEALTH_PORT,
    { ready: () => worker.isReady(), status: () => worker.status(), details: () => ({ mode: command }), statusView: () => board.view(worker.status()) },
    metrics,
  );
  // a batch run shows how far it is to the end offsets on stderr: a bar on a terminal, lines in a log
  const progress = command === 'batch' ? new ProgressWatch({ board, kind: 'partition', label: 'batch', unit: 'records' }) : undefined;
  logger.info(
    {
      health: `http://${env.HEALTH_HOST}:${health.port}/health`,
      topics,
      group: env.CONSUMER_GROUP,
      sink: sink.plugin.name,
      dir: (sink.config as { dir?: unknown }).dir,
      pipeline: settings.pipeline?.file,
      transforms: settings.transforms.map((t) => t.plugin.name),
      fromEnv: sink.fromEnv,
    },
    'consumer starting',
  );
  try {
    const summary = await worker.run(signal);
    progress?.stop();
    logger.info({ ...summary }, 'consumer stopped cleanly');
    if (command === 'batch') process.stdout.write(`${JSON.stringify({ summary })}\n`);
  } finally {
    progress?.stop();
    await health.close();
  }
  return 0;
});

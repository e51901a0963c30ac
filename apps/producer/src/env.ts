import {
  type ConfiguredPlugin,
  configOf,
  configureChain,
  configurePlugin,
  type EnvShortcuts,
  type EnvValues,
  envText,
  envWithConfigFile,
  PipelineFile,
  readEnvConfig,
  sharedAppSettings,
  shortcutHints,
} from '@buyonline/app-runtime';
import { ConfigError, type PluginRegistry } from '@buyonline/connect-api';
import { SOURCE_WORKER_DEFAULTS } from '@buyonline/kafka-common';
import { type PostgresSourceConfig, postgresSourcePlugin } from '@buyonline/source-postgres';
import { z } from 'zod';

/** The producer's own settings, named as their environment variables (the source's are its plugin's: SOURCE_SHORTCUTS). */
export const producerEnvSchema = z.object({
  ...sharedAppSettings({ name: 'producer', pipelineRuns: 'source: and transforms:', clientId: 'buyonline-producer', healthPort: 8088 }),
  TOPIC_PARTITIONS: z.coerce
    .number()
    .int()
    .positive()
    .default(SOURCE_WORKER_DEFAULTS.newTopicPartitions)
    .describe('Partitions of a data topic, created the first time a record goes to it.'),
  OFFSETS_TOPIC: z.string().default('buyonline-cdc-offsets').describe('Compacted topic holding source positions.'),
  SOURCE_DLQ_TOPIC: z.string().default('buyonline.public.products.source-dlq').describe('Rows that cannot be serialized.'),
  CONNECTOR_NAME: z.string().min(1).default('products-source').describe('Names this source in the offsets topic (a pipeline file\'s name: sets it).'),
  TRANSACTIONAL_ID: z.string().optional().describe('Kafka transactional.id (default: CONNECTOR_NAME).'),
  KAFKA_TRANSACTION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(SOURCE_WORKER_DEFAULTS.transactionTimeoutMs)
    .describe('Longest a Kafka transaction may stay open: one PostgreSQL transaction streams through one (at most the broker\'s transaction.max.timeout.ms).'),
  MAX_RECORD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(SOURCE_WORKER_DEFAULTS.maxRecordBytes)
    .describe('A record larger than this (key + value) goes to SOURCE_DLQ_TOPIC with the reason; keep it at or below the topic\'s max.message.bytes.'),
  KAFKA_UNDELIVERED_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(SOURCE_WORKER_DEFAULTS.maxUndeliveredBytes)
    .describe('Bytes of records handed to the Kafka client and not yet acknowledged by the brokers, at most (the client holds a copy of each until then); beyond it the producer waits for deliveries.'),
  HEALTH_STALL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(SOURCE_WORKER_DEFAULTS.stallTimeoutMs)
    .describe('With changes waiting and no Kafka commit for this long, /health answers 503 "stalled".'),
});
export type ProducerEnv = z.output<typeof producerEnvSchema>;

/**
 * The demo pipeline the variables alone configure (no pipeline file): the demo's products table,
 * dated by its updated_timestamp when polled. The only values the app gives a plugin setting;
 * every other default is the plugin's own.
 */
export const DEMO_DEFAULTS = { PG_TABLE: 'public.products', POLL_TIMESTAMP_COLUMN: 'updated_timestamp' } as const;

/**
 * Each source connector's variables → its config keys: the plugin's schema describes, defaults
 * and validates them (DEMO_DEFAULTS fill in what the demo needs and the plugin leaves unset).
 */
export const SOURCE_SHORTCUTS: Record<string, EnvShortcuts> = {
  [postgresSourcePlugin.name]: {
    PG_URL: 'url',
    PG_TABLE: { key: 'tables', default: DEMO_DEFAULTS.PG_TABLE, unlessSet: ['tableRegex'] },
    PG_TABLE_REGEX: 'tableRegex',
    PG_EXCLUDE_TABLES: 'excludeTables',
    CAPTURE_MODE: 'mode',
    SLOT_NAME: 'slot',
    PUBLICATION_NAME: 'publication',
    TOPIC_PREFIX: 'topicPrefix',
    // a literal topic name is a template without placeholders: allowed for one table
    TOPIC: 'topicTemplate',
    POLL_BATCH_SIZE: 'batchSize',
    POLL_BATCH_BYTES: 'batchBytes',
    POLL_INTERVAL_MS: 'pollIntervalMs',
    POLL_TIMESTAMP_COLUMN: { key: 'timestampColumn', default: DEMO_DEFAULTS.POLL_TIMESTAMP_COLUMN },
    SNAPSHOT_CHUNK_SIZE: 'snapshotChunkSize',
    SNAPSHOT_CHUNK_BYTES: 'snapshotChunkBytes',
    SNAPSHOT_PARALLELISM: 'snapshotParallelism',
    HEARTBEAT: 'heartbeat',
    HEARTBEAT_INTERVAL_MS: 'heartbeatIntervalMs',
    SLOT_LAG_WARN_BYTES: 'slotLagWarnBytes',
    REPLICA_IDENTITY_CHECK: 'replicaIdentity',
    STREAM_IN_PROGRESS: 'streamInProgress',
    STREAMED_TRANSACTION_MAX_MS: 'streamedTransactionMaxMs',
    LOGICAL_DECODING_WORK_MEM: 'logicalDecodingWorkMem',
  },
};

/** For a source variable put in the file's `producer:` section: where it goes instead. */
const SOURCE_HINTS = shortcutHints(SOURCE_SHORTCUTS, 'source');

/** The producer's own settings from the environment (and a `--config` JSON file below it, and the file's `producer:` below both). */
export function readProducerEnv(env: EnvValues, configFile?: string, pipeline?: PipelineFile): ProducerEnv {
  const vars = envWithConfigFile(env, configFile);
  const section = pipeline?.appSettings('producer');
  if (section && section.values.CONNECTOR_NAME !== undefined) {
    throw new ConfigError(`invalid configuration:\n  producer.CONNECTOR_NAME: the pipeline's name: (${pipeline?.name}) is the connector name; set it once, there`);
  }
  const withName = pipeline ? { path: 'producer', plugin: 'producer', values: { ...(section?.values ?? {}), CONNECTOR_NAME: pipeline.name } } : undefined;
  return readEnvConfig(producerEnvSchema, vars, { section: withName, hints: SOURCE_HINTS });
}

export interface ProducerSettings {
  env: ProducerEnv;
  pipeline: PipelineFile | undefined;
  source: ConfiguredPlugin<'source'>;
  /** The file's top-level `transforms`, in order. */
  transforms: ConfiguredPlugin<'transform'>[];
  /** Kafka transactional.id: TRANSACTIONAL_ID, else the connector name. */
  transactionalId: string;
}

export interface ProducerSources {
  /** `--config FILE`. */
  configFile?: string | undefined;
  /** `--pipeline FILE` (else PIPELINE_FILE). */
  pipelineFile?: string | undefined;
}

/**
 * Everything the producer runs with: its own settings, the source (the pipeline file's `source:`,
 * or the postgres source from its variables alone) with the variables over the file, and the
 * transforms. Only the file's source side is read: the sink is the consumer's business.
 */
export async function readProducerSettings(processEnv: EnvValues, sources: ProducerSources, registry: PluginRegistry): Promise<ProducerSettings> {
  const vars = envWithConfigFile(processEnv, sources.configFile);
  const file = sources.pipelineFile ?? envText(vars, 'PIPELINE_FILE');
  const pipeline = file === undefined ? undefined : PipelineFile.read(file, vars);
  const env = readProducerEnv(vars, undefined, pipeline);
  const section = pipeline?.source();
  if (pipeline && !section) throw new ConfigError(`pipeline file ${pipeline.file}: no source: section (the producer runs the source; connector: postgres or an npm package)`);
  const source = await configurePlugin(registry, 'source', { section, defaultPlugin: postgresSourcePlugin.name, env: vars, shortcuts: SOURCE_SHORTCUTS });
  const transforms = pipeline ? await configureChain(registry, pipeline.transforms(), vars) : [];
  return { env, pipeline, source, transforms, transactionalId: env.TRANSACTIONAL_ID ?? env.CONNECTOR_NAME };
}

/** The postgres source's config, for the commands only it has (migrate, seed, resnapshot). */
export function postgresConfigOf(settings: ProducerSettings, command: string): PostgresSourceConfig {
  const config = configOf(settings.source, postgresSourcePlugin);
  if (!config) throw new ConfigError(`${command} works on the postgres source; this pipeline's source is ${settings.source.plugin.name}`);
  return config;
}

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
  shortcutHints,
} from '@buyonline/app-runtime';
import { ConfigError, type PluginRegistry } from '@buyonline/connect-api';
import { brokerList } from '@buyonline/kafka-common';
import { type PostgresSourceConfig, postgresSourcePlugin } from '@buyonline/source-postgres';
import { z } from 'zod';

/** The producer's own settings, named as their environment variables (the source's are its plugin's: SOURCE_SHORTCUTS). */
export const producerEnvSchema = z.object({
  PIPELINE_FILE: z.string().optional().describe('Pipeline file (YAML or JSON): this producer runs its source: and transforms:; --pipeline FILE wins.'),
  KAFKA_BROKERS: brokerList.describe('Kafka bootstrap servers, comma-separated.'),
  KAFKA_CLIENT_ID: z.string().default('buyonline-producer').describe('Kafka client.id.'),
  SCHEMA_REGISTRY_URL: z.url().describe('Confluent-compatible Schema Registry URL.'),
  TOPIC_PARTITIONS: z.coerce.number().int().positive().default(3).describe('Partitions of a data topic, created the first time a record goes to it.'),
  OFFSETS_TOPIC: z.string().default('buyonline-cdc-offsets').describe('Compacted topic holding source positions.'),
  SOURCE_DLQ_TOPIC: z.string().default('buyonline.public.products.source-dlq').describe('Rows that cannot be serialized.'),
  CONNECTOR_NAME: z.string().min(1).default('products-source').describe('Names this source in the offsets topic (a pipeline file\'s name: sets it).'),
  TRANSACTIONAL_ID: z.string().optional().describe('Kafka transactional.id (default: CONNECTOR_NAME).'),
  KAFKA_TRANSACTION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(900_000)
    .describe('Longest a Kafka transaction may stay open: one PostgreSQL transaction streams through one (at most the broker\'s transaction.max.timeout.ms).'),
  MAX_RECORD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1_000_000)
    .describe('A record larger than this (key + value) goes to SOURCE_DLQ_TOPIC with the reason; keep it at or below the topic\'s max.message.bytes.'),
  KAFKA_UNDELIVERED_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024)
    .describe('Bytes of records handed to the Kafka client and not yet acknowledged by the brokers, at most (the client holds a copy of each until then); beyond it the producer waits for deliveries.'),
  HEALTH_HOST: z.string().default('127.0.0.1').describe('Address of the health/metrics endpoint (0.0.0.0 in a container).'),
  HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8088).describe('Port of /health and /metrics (0: any free port).'),
  HEALTH_STALL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(60_000)
    .describe('With changes waiting and no Kafka commit for this long, /health answers 503 "stalled".'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Log level.'),
});
export type ProducerEnv = z.output<typeof producerEnvSchema>;

/**
 * Each source connector's variables → its config keys: the plugin's schema describes, defaults
 * and validates them. The defaults here are the demo configuration's (one products table, its
 * slot and publication), in effect only without a pipeline file.
 */
export const SOURCE_SHORTCUTS: Record<string, EnvShortcuts> = {
  [postgresSourcePlugin.name]: {
    PG_URL: 'url',
    PG_TABLE: { key: 'tables', default: 'public.products', unlessSet: ['tableRegex'] },
    PG_TABLE_REGEX: 'tableRegex',
    PG_EXCLUDE_TABLES: 'excludeTables',
    CAPTURE_MODE: 'mode',
    SLOT_NAME: { key: 'slot', default: 'buyonline_products' },
    PUBLICATION_NAME: { key: 'publication', default: 'buyonline_products' },
    TOPIC_PREFIX: 'topicPrefix',
    // a literal topic name is a template without placeholders: allowed for one table
    TOPIC: 'topicTemplate',
    POLL_BATCH_SIZE: 'batchSize',
    POLL_BATCH_BYTES: 'batchBytes',
    POLL_INTERVAL_MS: 'pollIntervalMs',
    SNAPSHOT_CHUNK_SIZE: 'snapshotChunkSize',
    SNAPSHOT_CHUNK_BYTES: 'snapshotChunkBytes',
    SNAPSHOT_PARALLELISM: 'snapshotParallelism',
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

import { parsePluginConfig, readEnvConfig } from '@buyonline/app-runtime';
import { brokerList } from '@buyonline/kafka-common';
import { type PostgresSourceConfig, postgresSourcePlugin } from '@buyonline/source-postgres';
import { z } from 'zod';

/** Every setting of the producer, named as its environment variable. */
export const producerEnvSchema = z.object({
  PG_URL: z.string().min(1).describe('PostgreSQL URL, postgres://user:password@host:port/db (secret).'),
  PG_TABLE: z.string().default('public.products').describe('Captured table, <schema>.<table>.'),
  CAPTURE_MODE: z.enum(['logical', 'polling']).default('logical').describe('logical: pgoutput replication (sees deletes); polling: by transaction horizon.'),
  SLOT_NAME: z.string().default('buyonline_products').describe('Logical replication slot (created when missing).'),
  PUBLICATION_NAME: z.string().default('buyonline_products').describe('Publication of the table (created when missing).'),
  SNAPSHOT_CHUNK_SIZE: z.coerce.number().int().positive().default(5000).describe('Rows per key chunk of the initial snapshot.'),
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().positive().default(10_000).describe('Idle heartbeat that keeps the slot advancing.'),
  SLOT_LAG_WARN_BYTES: z.coerce.number().int().positive().default(268_435_456).describe('Warn when the slot holds back more WAL than this.'),
  KAFKA_BROKERS: brokerList.describe('Kafka bootstrap servers, comma-separated.'),
  KAFKA_CLIENT_ID: z.string().default('buyonline-producer').describe('Kafka client.id.'),
  SCHEMA_REGISTRY_URL: z.url().describe('Confluent-compatible Schema Registry URL.'),
  TOPIC: z.string().default('buyonline.public.products').describe('Topic the changes go to.'),
  TOPIC_PARTITIONS: z.coerce.number().int().positive().default(3).describe('Partitions when the topic is created.'),
  OFFSETS_TOPIC: z.string().default('buyonline-cdc-offsets').describe('Compacted topic holding source positions.'),
  SOURCE_DLQ_TOPIC: z.string().default('buyonline.public.products.source-dlq').describe('Rows that cannot be serialized.'),
  CONNECTOR_NAME: z.string().default('products-source').describe('Names this source in the offsets topic.'),
  TRANSACTIONAL_ID: z.string().optional().describe('Kafka transactional.id (default: CONNECTOR_NAME).'),
  POLL_BATCH_SIZE: z.coerce.number().int().positive().default(2000).describe('Rows per poll and per Kafka transaction.'),
  POLL_INTERVAL_MS: z.coerce.number().int().positive().default(500).describe('Wait between empty polls.'),
  REPLICA_IDENTITY_CHECK: z
    .enum(['warn', 'require-full'])
    .default('warn')
    .describe('A table without REPLICA IDENTITY FULL loses before-images and unchanged TOASTed values: warn, or refuse to start.'),
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

export function readProducerEnv(env: NodeJS.ProcessEnv, configFile?: string): ProducerEnv {
  return readEnvConfig(producerEnvSchema, env, configFile);
}

/** The source plugin's keys and the variables they come from: builds its input and names its errors. */
const SOURCE_KEYS = {
  mode: 'CAPTURE_MODE',
  url: 'PG_URL',
  table: 'PG_TABLE',
  topic: 'TOPIC',
  batchSize: 'POLL_BATCH_SIZE',
  pollIntervalMs: 'POLL_INTERVAL_MS',
  slot: 'SLOT_NAME',
  publication: 'PUBLICATION_NAME',
  snapshotChunkSize: 'SNAPSHOT_CHUNK_SIZE',
  heartbeatIntervalMs: 'HEARTBEAT_INTERVAL_MS',
  slotLagWarnBytes: 'SLOT_LAG_WARN_BYTES',
  replicaIdentity: 'REPLICA_IDENTITY_CHECK',
} as const satisfies Record<string, keyof ProducerEnv>;

export function sourceConfigFrom(env: ProducerEnv): PostgresSourceConfig {
  const input = Object.fromEntries(Object.entries(SOURCE_KEYS).map(([key, variable]) => [key, env[variable]]));
  return parsePluginConfig(postgresSourcePlugin.configSchema, input, SOURCE_KEYS);
}

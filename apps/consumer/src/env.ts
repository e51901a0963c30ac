import { readEnvConfig } from '@buyonline/kafka-common';
import { z } from 'zod';

/** Every setting of the consumer, named as its environment variable. */
export const consumerEnvSchema = z.object({
  KAFKA_BROKERS: z.string().min(1).describe('Kafka bootstrap servers, comma-separated.'),
  KAFKA_CLIENT_ID: z.string().default('buyonline-consumer').describe('Kafka client.id.'),
  SCHEMA_REGISTRY_URL: z.url().describe('Confluent-compatible Schema Registry URL.'),
  TOPIC: z.string().default('buyonline.public.products').describe('Topic(s) to read, comma-separated.'),
  CONSUMER_GROUP: z.string().default('buyonline-stage-sink').describe('Consumer group; processes in one group share the partitions.'),
  SINK_DLQ_TOPIC: z.string().default('buyonline.public.products.dlq').describe('Records that cannot be deserialized.'),
  STAGE_DIR: z.string().default('./.stage').describe('Root of the local stage directory.'),
  FLUSH_RECORDS: z.coerce.number().int().positive().default(5000).describe('Rotate a file after this many records.'),
  FLUSH_BYTES: z.coerce.number().int().positive().default(16 * 1024 * 1024).describe('Rotate a file at this size in bytes.'),
  ROTATE_INTERVAL_MS: z.coerce.number().int().positive().default(10_000).describe('Rotate a file this long after its first record (idle partitions too).'),
  COMMIT_INTERVAL_MS: z.coerce.number().int().positive().default(5_000).describe('How often durable offsets are committed.'),
  MAX_BATCH_RECORDS: z.coerce.number().int().positive().default(1000).describe('Records fetched per consume call.'),
  HEALTH_HOST: z.string().default('127.0.0.1').describe('Address of the health/metrics endpoint (0.0.0.0 in a container).'),
  HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8089).describe('Port of /health and /metrics (0: any free port).'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Log level.'),
});
export type ConsumerEnv = z.output<typeof consumerEnvSchema>;

export function readConsumerEnv(env: NodeJS.ProcessEnv, configFile?: string): ConsumerEnv {
  return readEnvConfig(consumerEnvSchema, env, configFile);
}

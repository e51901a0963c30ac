import { kafkaConfigSchema, registryConfigSchema } from '@buyonline/kafka-common';
import { z } from 'zod';
import { LOG_LEVELS } from './logger.ts';

/** What differs between the apps in the settings they share. */
export interface AppIdentity {
  name: 'producer' | 'consumer';
  /** What this app runs of a pipeline file, for PIPELINE_FILE's description. */
  pipelineRuns: string;
  /** Its default Kafka client.id. */
  clientId: string;
  /** Its default port of /health and /metrics (the two apps may share a host). */
  healthPort: number;
}

/**
 * The settings both apps have, declared once: the pipeline file, Kafka and the Schema Registry
 * (their parsers and descriptions are the Kafka runtime's own config schemas), the health
 * endpoint and the log level. Each app spreads them into its env schema.
 */
export function sharedAppSettings(app: AppIdentity) {
  return {
    PIPELINE_FILE: z.string().optional().describe(`Pipeline file (YAML or JSON): this ${app.name} runs its ${app.pipelineRuns}; --pipeline FILE wins.`),
    KAFKA_BROKERS: kafkaConfigSchema.shape.brokers,
    KAFKA_CLIENT_ID: kafkaConfigSchema.shape.clientId.unwrap().default(app.clientId).describe('Kafka client.id.'),
    SCHEMA_REGISTRY_URL: registryConfigSchema.shape.url,
    HEALTH_HOST: z.string().default('127.0.0.1').describe('Address of the health/metrics endpoint (0.0.0.0 in a container).'),
    HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(app.healthPort).describe('Port of /health and /metrics (0: any free port).'),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info').describe('Log level.'),
  };
}

import { readFileSync } from 'node:fs';
import { ConfigError, redactedString } from '@buyonline/connect-api';
import { parsePluginConfig, readEnvConfig } from '@buyonline/app-runtime';
import { brokerList } from '@buyonline/kafka-common';
import { type StageSinkConfig, stageSinkPlugin } from '@buyonline/sink-stage';
import { z } from 'zod';

/** Every setting of the consumer, named as its environment variable. */
export const consumerEnvSchema = z.object({
  KAFKA_BROKERS: brokerList.describe('Kafka bootstrap servers, comma-separated.'),
  KAFKA_CLIENT_ID: z.string().default('buyonline-consumer').describe('Kafka client.id.'),
  SCHEMA_REGISTRY_URL: z.url().describe('Confluent-compatible Schema Registry URL.'),
  TOPIC: z.string().default('buyonline.public.products').describe('Topic(s) to read, comma-separated.'),
  CONSUMER_GROUP: z.string().default('buyonline-stage-sink').describe('Consumer group; processes in one group share the partitions.'),
  SINK_DLQ_TOPIC: z.string().default('buyonline.public.products.dlq').describe('Records that cannot be deserialized.'),
  STAGE: z.enum(['local', 'snowflake']).default('local').describe('Where files go: a local directory, or a Snowflake stage (SNOWFLAKE_*).'),
  STAGE_DIR: z.string().default('./.stage').describe('Root of the local stage; with STAGE=snowflake, the local spool files wait in until delivered.'),
  FLUSH_RECORDS: z.coerce.number().int().positive().default(5000).describe('Rotate a file after this many records.'),
  FLUSH_BYTES: z.coerce.number().int().positive().default(16 * 1024 * 1024).describe('Rotate a file at this size in bytes.'),
  ROTATE_INTERVAL_MS: z.coerce.number().int().positive().default(10_000).describe('Rotate a file this long after its first record (idle partitions too).'),
  COMMIT_INTERVAL_MS: z.coerce.number().int().positive().default(5_000).describe('How often durable offsets are committed.'),
  MAX_BATCH_RECORDS: z.coerce.number().int().positive().default(1000).describe('Records fetched per consume call.'),
  SNOWFLAKE_ACCOUNT: z.string().optional().describe('Snowflake account identifier (STAGE=snowflake).'),
  SNOWFLAKE_USERNAME: z.string().optional().describe('Snowflake user.'),
  SNOWFLAKE_PASSWORD: redactedString.optional().describe('Snowflake password (secret), or use a private key.'),
  SNOWFLAKE_PRIVATE_KEY: redactedString.optional().describe('PEM private key for key-pair auth (secret; \\n escapes allowed).'),
  SNOWFLAKE_PRIVATE_KEY_FILE: z.string().optional().describe('File holding the PEM private key (instead of SNOWFLAKE_PRIVATE_KEY).'),
  SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: redactedString.optional().describe('Passphrase of an encrypted private key (secret).'),
  SNOWFLAKE_WAREHOUSE: z.string().optional().describe('Warehouse that runs COPY INTO.'),
  SNOWFLAKE_DATABASE: z.string().optional().describe('Database of the stage and table.'),
  SNOWFLAKE_SCHEMA: z.string().optional().describe('Schema of the stage and table [default: PUBLIC].'),
  SNOWFLAKE_ROLE: z.string().optional().describe('Role to use.'),
  SNOWFLAKE_STAGE: z.string().optional().describe('Internal stage name; "~" user stage, "%TABLE" table stage [default: BUYONLINE_CDC].'),
  SNOWFLAKE_PATH_PREFIX: z.string().optional().describe('Folder in the stage: <prefix>/<topic>/partition=<p>/ [default: cdc].'),
  SNOWFLAKE_PATH_STYLE: z.string().optional().describe('hive (partition=<p>) or plain (<p>; needed by fakesnow) [default: hive].'),
  SNOWFLAKE_LIST_WHOLE_STAGE: z.string().optional().describe('true: LIST the whole stage and filter (fakesnow cannot LIST a path) [default: false].'),
  SNOWFLAKE_LOAD: z.string().optional().describe('true: COPY INTO SNOWFLAKE_TABLE after each upload [default: false].'),
  SNOWFLAKE_TABLE: z.string().optional().describe('Target table of COPY INTO, one VARIANT column [default: PRODUCTS_CHANGES].'),
  SNOWFLAKE_CLAIMS_TABLE: z.string().optional().describe('Table of the claims that fence two consumers from delivering overlapping ranges [default: BUYONLINE_CDC_CLAIMS].'),
  SNOWFLAKE_VARIANT_COLUMN: z.string().optional().describe('The target table\'s VARIANT column [default: RECORD].'),
  SNOWFLAKE_CREATE_OBJECTS: z.string().optional().describe('true: create database, schema, stage and table if missing [default: false].'),
  SNOWFLAKE_DRY_RUN: z.string().optional().describe('true: log the SQL instead of running it; files stay in STAGE_DIR [default: false].'),
  SNOWFLAKE_ACCESS_URL: z.string().optional().describe('Snowflake URL override, e.g. fakesnow http://127.0.0.1:28090.'),
  SNOWFLAKE_CONNECT_ATTEMPTS: z.string().optional().describe('Attempts with backoff on retriable Snowflake errors [default: 6].'),
  PG_URL: z.string().optional().describe('PostgreSQL URL (secret); needed by `reconcile` only.'),
  PG_TABLE: z.string().optional().describe('Source table <schema>.<table>; needed by `reconcile` only.'),
  HEALTH_HOST: z.string().default('127.0.0.1').describe('Address of the health/metrics endpoint (0.0.0.0 in a container).'),
  HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8089).describe('Port of /health and /metrics (0: any free port).'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Log level.'),
});
export type ConsumerEnv = z.output<typeof consumerEnvSchema>;

export function readConsumerEnv(env: NodeJS.ProcessEnv, configFile?: string): ConsumerEnv {
  return readEnvConfig(consumerEnvSchema, env, configFile);
}

/** The sink plugin's keys and the variables they come from: builds its input and names its errors. */
const SINK_KEYS = {
  stage: 'STAGE',
  dir: 'STAGE_DIR',
  flushRecords: 'FLUSH_RECORDS',
  flushBytes: 'FLUSH_BYTES',
  rotateIntervalMs: 'ROTATE_INTERVAL_MS',
  account: 'SNOWFLAKE_ACCOUNT',
  username: 'SNOWFLAKE_USERNAME',
  password: 'SNOWFLAKE_PASSWORD',
  privateKey: 'SNOWFLAKE_PRIVATE_KEY',
  privateKeyPassphrase: 'SNOWFLAKE_PRIVATE_KEY_PASSPHRASE',
  warehouse: 'SNOWFLAKE_WAREHOUSE',
  database: 'SNOWFLAKE_DATABASE',
  schema: 'SNOWFLAKE_SCHEMA',
  role: 'SNOWFLAKE_ROLE',
  stageName: 'SNOWFLAKE_STAGE',
  pathPrefix: 'SNOWFLAKE_PATH_PREFIX',
  pathStyle: 'SNOWFLAKE_PATH_STYLE',
  listWholeStage: 'SNOWFLAKE_LIST_WHOLE_STAGE',
  load: 'SNOWFLAKE_LOAD',
  targetTable: 'SNOWFLAKE_TABLE',
  claimsTable: 'SNOWFLAKE_CLAIMS_TABLE',
  variantColumn: 'SNOWFLAKE_VARIANT_COLUMN',
  createObjects: 'SNOWFLAKE_CREATE_OBJECTS',
  dryRun: 'SNOWFLAKE_DRY_RUN',
  accessUrl: 'SNOWFLAKE_ACCESS_URL',
  connectAttempts: 'SNOWFLAKE_CONNECT_ATTEMPTS',
} as const satisfies Record<string, keyof ConsumerEnv>;

function privateKeyOf(env: ConsumerEnv): string | undefined {
  if (env.SNOWFLAKE_PRIVATE_KEY) return env.SNOWFLAKE_PRIVATE_KEY.reveal().replaceAll('\\n', '\n');
  if (!env.SNOWFLAKE_PRIVATE_KEY_FILE) return undefined;
  try {
    return readFileSync(env.SNOWFLAKE_PRIVATE_KEY_FILE, 'utf8');
  } catch (err) {
    throw new ConfigError(`SNOWFLAKE_PRIVATE_KEY_FILE: cannot read ${env.SNOWFLAKE_PRIVATE_KEY_FILE}: ${(err as Error).message}`);
  }
}

/** The sink's config from the environment; Snowflake settings only matter with STAGE=snowflake. */
export function sinkConfigFrom(env: ConsumerEnv): StageSinkConfig {
  const input: Record<string, unknown> = {};
  const keys = env.STAGE === 'snowflake' ? Object.keys(SINK_KEYS) : ['stage', 'dir', 'flushRecords', 'flushBytes', 'rotateIntervalMs'];
  for (const key of keys) {
    const value = env[SINK_KEYS[key as keyof typeof SINK_KEYS]];
    // secrets stay Redacted in the env; the plugin's schema wraps them again
    if (value !== undefined) input[key] = typeof value === 'object' && value !== null && 'reveal' in value ? value.reveal() : value;
  }
  if (env.STAGE === 'snowflake') {
    const key = privateKeyOf(env);
    if (key !== undefined) input.privateKey = key;
  }
  return parsePluginConfig(stageSinkPlugin.configSchema, input, SINK_KEYS);
}

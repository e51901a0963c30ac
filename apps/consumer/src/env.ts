import { readFileSync } from 'node:fs';
import {
  buildPluginConfig,
  type ConfiguredPlugin,
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
import { SINK_WORKER_DEFAULTS } from '@buyonline/kafka-common';
import { localStagePlugin, type StageSinkConfig, snowflakeStagePlugin } from '@buyonline/sink-stage';
import { z } from 'zod';
import { verifyFlagsSchema } from './verify-flags.ts';

const regex = z
  .string()
  .min(1)
  .refine(
    (s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    },
    { error: 'not a valid regular expression' },
  )
  // librdkafka subscribes by pattern only to a name that starts with ^
  .transform((s) => (s.startsWith('^') ? s : `^${s}`));

/** The consumer's own settings, named as their environment variables (the sink's are its plugin's: SINK_SHORTCUTS). */
export const consumerEnvSchema = z.object({
  ...sharedAppSettings({ name: 'consumer', pipelineRuns: 'sink: (and sink.transforms)', clientId: 'buyonline-consumer', healthPort: 8089 }),
  TOPIC: z.string().default('buyonline.public.products').describe('Topic(s) to read, comma-separated (with TOPIC_REGEX: only when set).'),
  TOPIC_REGEX: regex
    .optional()
    .describe('Also read every topic whose name matches this regular expression, e.g. ^buyonline\\.public\\..* (stream: topics created later are picked up; batch: the topics there at start).'),
  CONSUMER_GROUP: z.string().default('buyonline-stage-sink').describe('Consumer group; processes in one group share the partitions.'),
  SINK_DLQ_TOPIC: z.string().default('buyonline.public.products.dlq').describe('Records that cannot be deserialized.'),
  STAGE: z
    .enum(['local', 'snowflake'])
    .default('local')
    .describe('The sink connector without a pipeline file: local → local-stage, snowflake → snowflake-stage (SNOWFLAKE_*); with one, sink.connector names it.'),
  COMMIT_INTERVAL_MS: z.coerce.number().int().positive().default(5_000).describe('How often durable offsets are committed.'),
  MAX_BATCH_RECORDS: z.coerce.number().int().positive().default(1000).describe('Records fetched per consume call.'),
  KAFKA_PREFETCH_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024, 'at least 1 MB (1048576): a fetch must hold the largest record the producer sends')
    .default(SINK_WORKER_DEFAULTS.prefetchBytes)
    .describe('Bytes of records fetched ahead of the sink, at most (the client\'s queue and each fetch): a consume call returns no more than that.'),
  VERIFY_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('With stream: run `verify` every N seconds inside the consumer (needs a pipeline file with a logical source:); 0 = off. Only the member that owns partition 0 of the first captured topic verifies.'),
  VERIFY_REPAIR: verifyFlagsSchema.shape.repair.describe('The verify loop: ask the capture for an incremental snapshot of each mismatched range, then verify again (verify --repair).'),
  VERIFY_RANGE_KEYS: verifyFlagsSchema.shape.rangeKeys.describe('The verify loop: keys per range (verify --range-keys).'),
  VERIFY_ROWS_PER_SECOND: verifyFlagsSchema.shape.rowsPerSecond.describe('The verify loop: PostgreSQL rows read per second at most (verify --rows-per-second; default: no limit).'),
  VERIFY_STALE_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(3600)
    .describe('The verify loop: verify_stale{table} turns 1 when the table has not verified EQUAL for this long (alert on it).'),
  PG_URL: z.string().optional().describe('PostgreSQL URL (secret); needed by `reconcile` only.'),
  PG_TABLE: z.string().optional().describe('Source table <schema>.<table>; needed by `reconcile` only.'),
});

/** The consumer's settings, with the variables the plugin shortcuts are read from and the pipeline file, if any. */
export type ConsumerEnv = z.output<typeof consumerEnvSchema> & { readonly vars: EnvValues; readonly pipeline?: PipelineFile | undefined };

/** STAGE's values and the connectors they name. */
const STAGE_CONNECTORS = { local: localStagePlugin.name, snowflake: snowflakeStagePlugin.name } as const;

function unescapeKey(text: string): string {
  return text.replaceAll('\\n', '\n');
}

function readKeyFile(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${variable}: cannot read ${path}: ${(err as Error).message}`);
  }
}

const STAGE_FILE_SHORTCUTS: EnvShortcuts = {
  STAGE_DIR: 'dir',
  FLUSH_RECORDS: 'flushRecords',
  FLUSH_BYTES: 'flushBytes',
  BUFFER_BYTES: 'bufferBytes',
  ROTATE_INTERVAL_MS: 'rotateIntervalMs',
};

/** Each sink connector's variables → its config keys: the plugin's schema describes, defaults and validates them. */
export const SINK_SHORTCUTS: Record<string, EnvShortcuts> = {
  [localStagePlugin.name]: STAGE_FILE_SHORTCUTS,
  [snowflakeStagePlugin.name]: {
    ...STAGE_FILE_SHORTCUTS,
    SNOWFLAKE_ACCOUNT: 'account',
    SNOWFLAKE_USERNAME: 'username',
    SNOWFLAKE_PASSWORD: 'password',
    // the variable wins over the file
    SNOWFLAKE_PRIVATE_KEY: { key: 'privateKey', read: unescapeKey, help: 'PEM private key for key-pair (JWT) authentication; \\n escapes allowed.' },
    SNOWFLAKE_PRIVATE_KEY_FILE: { key: 'privateKey', read: readKeyFile, help: 'File holding the PEM private key (instead of SNOWFLAKE_PRIVATE_KEY).' },
    SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'privateKeyPassphrase',
    SNOWFLAKE_WAREHOUSE: 'warehouse',
    SNOWFLAKE_DATABASE: 'database',
    SNOWFLAKE_SCHEMA: 'schema',
    SNOWFLAKE_ROLE: 'role',
    SNOWFLAKE_STAGE: 'stageName',
    SNOWFLAKE_PATH_PREFIX: 'pathPrefix',
    SNOWFLAKE_PATH_STYLE: 'pathStyle',
    SNOWFLAKE_LIST_WHOLE_STAGE: 'listWholeStage',
    SNOWFLAKE_LOAD: 'load',
    SNOWFLAKE_TABLE: 'targetTable',
    SNOWFLAKE_TABLE_FORMAT: 'tableFormat',
    SNOWFLAKE_TOPIC2TABLE_MAP: 'topic2table',
    SNOWFLAKE_TYPED_COPY: 'typedCopy',
    SNOWFLAKE_MERGE: 'merge',
    SNOWFLAKE_CLAIMS_TABLE: 'claimsTable',
    SNOWFLAKE_VARIANT_COLUMN: 'variantColumn',
    SNOWFLAKE_CREATE_OBJECTS: 'createObjects',
    SNOWFLAKE_DRY_RUN: 'dryRun',
    SNOWFLAKE_ACCESS_URL: 'accessUrl',
    SNOWFLAKE_CONNECT_ATTEMPTS: 'connectAttempts',
  },
};

/** For a sink variable put in the file's `consumer:` section: where it goes instead. */
const SINK_HINTS = shortcutHints(SINK_SHORTCUTS, 'sink');

/** The consumer's own settings from the environment (and a `--config` JSON file below it). */
export function readConsumerEnv(env: EnvValues, configFile?: string, pipeline?: PipelineFile): ConsumerEnv {
  const vars = envWithConfigFile(env, configFile);
  const settings = readEnvConfig(consumerEnvSchema, vars, { section: pipeline?.appSettings('consumer'), hints: SINK_HINTS });
  return { ...settings, vars, pipeline };
}

/**
 * The built-in stage's config (what `reconcile` reads): the file's sink section when there is a
 * file, else STAGE; the variables over it. The same config readConsumerSettings builds, without
 * the registry: only the two stages, which need no import.
 */
export function sinkConfigFrom(env: ConsumerEnv): StageSinkConfig {
  const section = env.pipeline?.sink();
  const name = section?.plugin ?? STAGE_CONNECTORS[env.STAGE];
  const plugin = [localStagePlugin, snowflakeStagePlugin].find((p) => p.name === name);
  if (!plugin) throw new ConfigError(`this command reads a local-stage or snowflake-stage sink, not ${name}`);
  return buildPluginConfig(plugin, { section, env: env.vars, shortcuts: SINK_SHORTCUTS }).config;
}

/** What to subscribe to: TOPIC's list, and TOPIC_REGEX as a librdkafka pattern (TOPIC then only when set). */
export function subscriptionOf(env: ConsumerEnv): string[] {
  const listed = env.TOPIC.split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (env.TOPIC_REGEX === undefined) return listed;
  return envText(env.vars, 'TOPIC') === undefined ? [env.TOPIC_REGEX] : [...listed, env.TOPIC_REGEX];
}

export interface ConsumerSettings {
  env: ConsumerEnv;
  pipeline: PipelineFile | undefined;
  sink: ConfiguredPlugin<'sink'>;
  /** The file's `sink.transforms`, in order. */
  transforms: ConfiguredPlugin<'transform'>[];
  /** TOPIC / TOPIC_REGEX (patterns start with ^). */
  topics: string[];
}

export interface ConsumerSources {
  /** `--config FILE`. */
  configFile?: string | undefined;
  /** `--pipeline FILE` (else PIPELINE_FILE). */
  pipelineFile?: string | undefined;
}

/**
 * Everything the consumer runs with: its own settings, the sink (the pipeline file's `sink:`, or
 * STAGE and its variables alone) with the variables over the file, and the sink-side transforms.
 * Only the file's sink side is read: the source's variables and plugins are the producer's business.
 */
export async function readConsumerSettings(processEnv: NodeJS.ProcessEnv, sources: ConsumerSources, registry: PluginRegistry): Promise<ConsumerSettings> {
  const vars = envWithConfigFile(processEnv, sources.configFile);
  const file = sources.pipelineFile ?? envText(vars, 'PIPELINE_FILE');
  const pipeline = file === undefined ? undefined : PipelineFile.read(file, vars);
  const env = readConsumerEnv(vars, undefined, pipeline);
  const section = pipeline?.sink();
  if (pipeline && !section) throw new ConfigError(`pipeline file ${pipeline.file}: no sink: section (the consumer runs the sink; connector: local-stage, snowflake-stage or an npm package)`);
  // STAGE picks the connector without a file; with one, sink.connector does (a STAGE that disagrees is an error, not a switch)
  const stageSet = envText(vars, 'STAGE') !== undefined || pipeline?.appSettings('consumer')?.values.STAGE !== undefined;
  if (section && stageSet && STAGE_CONNECTORS[env.STAGE] !== section.plugin) {
    throw new ConfigError(`STAGE=${env.STAGE} names ${STAGE_CONNECTORS[env.STAGE]}, but the pipeline file's sink.connector is ${section.plugin}: unset STAGE or change the file`);
  }
  const sink = await configurePlugin(registry, 'sink', { section, defaultPlugin: STAGE_CONNECTORS[env.STAGE], env: vars, shortcuts: SINK_SHORTCUTS });
  const transforms = pipeline ? await configureChain(registry, pipeline.sinkTransforms(), vars) : [];
  return { env, pipeline, sink, transforms, topics: subscriptionOf(env) };
}

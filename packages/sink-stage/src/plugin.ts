import type { PluginContext, SinkPlugin } from '@buyonline/connect-api';
import { z } from 'zod';
import { localStageConfigSchema, type SnowflakeStageConfig, type StageSinkConfig, snowflakeStageConfigSchema, stageSinkConfigSchema } from './config.ts';
import { LocalStage } from './local-stage.ts';
import { DryRunClient, SdkSnowflakeClient, type SnowflakeClient } from './snowflake/client.ts';
import { SnowflakeStage } from './snowflake/snowflake-stage.ts';
import { STAGE_SINK_METRICS } from './stage-metrics.ts';
import { StageSinkTask } from './stage-sink-task.ts';
import type { StageStore } from './stage-store.ts';

/** A Snowflake client for the config: the SDK, or (dry run) one that logs each statement. */
export function snowflakeClientFor(config: SnowflakeStageConfig, ctx: PluginContext): SnowflakeClient {
  const logger = ctx.logger.child({ component: 'snowflake' });
  if (config.dryRun) return new DryRunClient((sql) => logger.info({ sql }, 'dry run: would execute'));
  return new SdkSnowflakeClient(config, logger, config.connectAttempts);
}

/** The stage a config describes: a local directory, or Snowflake with a local spool. */
export function createStageStore(config: StageSinkConfig, ctx: PluginContext, client?: SnowflakeClient): StageStore {
  if (config.stage === 'local') return new LocalStage(config.dir);
  return new SnowflakeStage(config, new LocalStage(config.dir, { fenced: false }), config.dir, client ?? snowflakeClientFor(config, ctx), ctx.logger.child({ component: 'snowflake-stage' }), ctx.metrics);
}

export const stageSinkPlugin: SinkPlugin<typeof stageSinkConfigSchema> = {
  name: 'stage',
  version: '0.2.0',
  kind: 'sink',
  description: 'Writes newline-delimited JSON files, exactly once per Kafka offset, into a local or Snowflake stage.',
  configSchema: stageSinkConfigSchema,
  metrics: STAGE_SINK_METRICS,
  create(config, ctx) {
    return new StageSinkTask(config, createStageStore(config, ctx), ctx);
  },
};

/** A stage's schema with its `stage` switch set: a pipeline file names each stage as its own connector. */
function withStage<S extends z.ZodType>(stage: 'local' | 'snowflake', schema: S) {
  return z.preprocess((v) => (typeof v === 'object' && v !== null && !Array.isArray(v) && !('stage' in v) ? { ...v, stage } : v), schema);
}
const localSchema = withStage('local', localStageConfigSchema);
const snowflakeSchema = withStage('snowflake', snowflakeStageConfigSchema);

export const localStagePlugin: SinkPlugin<typeof localSchema> = {
  name: 'local-stage',
  version: stageSinkPlugin.version,
  kind: 'sink',
  description: 'Writes newline-delimited JSON files, exactly once per Kafka offset, into a local directory.',
  configSchema: localSchema,
  metrics: STAGE_SINK_METRICS,
  create: (config, ctx) => stageSinkPlugin.create(config, ctx),
};

export const snowflakeStagePlugin: SinkPlugin<typeof snowflakeSchema> = {
  name: 'snowflake-stage',
  version: stageSinkPlugin.version,
  kind: 'sink',
  description: 'Writes newline-delimited JSON files, exactly once per Kafka offset, into a Snowflake internal stage (PUT), optionally loaded with COPY INTO.',
  configSchema: snowflakeSchema,
  metrics: STAGE_SINK_METRICS,
  create: (config, ctx) => stageSinkPlugin.create(config, ctx),
};

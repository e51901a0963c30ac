import { packageImporter } from '@buyonline/app-runtime';
import { PluginRegistry, type SinkPlugin } from '@buyonline/connect-api';
import { localStageConfigSchema, snowflakeStageConfigSchema, stageSinkPlugin } from '@buyonline/sink-stage';
import { transformPlugins } from '@buyonline/transforms';
import { z } from 'zod';

// sink-stage ships one plugin with a `stage` switch; a pipeline file names the two stages as two
// connectors. Each is that plugin with the switch set for it, so `stage:` need not be written.
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
  create: (config, ctx) => stageSinkPlugin.create(config, ctx),
};

export const snowflakeStagePlugin: SinkPlugin<typeof snowflakeSchema> = {
  name: 'snowflake-stage',
  version: stageSinkPlugin.version,
  kind: 'sink',
  description: 'Writes newline-delimited JSON files, exactly once per Kafka offset, into a Snowflake internal stage (PUT), optionally loaded with COPY INTO.',
  configSchema: snowflakeSchema,
  create: (config, ctx) => stageSinkPlugin.create(config, ctx),
};

/**
 * The plugins the consumer knows by name (the two stages, the transforms for `sink.transforms`),
 * and where a package named in a pipeline file is looked for: next to the app (`appDir`'s
 * node_modules and its parents'), then NODE_PATH.
 */
export function consumerRegistry(appDir: string, nodePath: string | undefined): PluginRegistry {
  return new PluginRegistry({ importer: packageImporter({ from: [appDir], nodePath }) }).register(localStagePlugin, snowflakeStagePlugin, ...transformPlugins);
}

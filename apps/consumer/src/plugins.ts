import { packageImporter } from '@buyonline/app-runtime';
import { PluginRegistry } from '@buyonline/connect-api';
import { localStagePlugin, snowflakeStagePlugin } from '@buyonline/sink-stage';
import { transformPlugins } from '@buyonline/transforms';

/**
 * The plugins the consumer knows by name (the two stages, the transforms for `sink.transforms`),
 * and where a package named in a pipeline file is looked for: next to the app (`appDir`'s
 * node_modules and its parents'), then NODE_PATH.
 */
export function consumerRegistry(appDir: string, nodePath: string | undefined): PluginRegistry {
  return new PluginRegistry({ importer: packageImporter({ from: [appDir], nodePath }) }).register(localStagePlugin, snowflakeStagePlugin, ...transformPlugins);
}

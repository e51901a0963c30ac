import { packageImporter } from '@buyonline/app-runtime';
import { PluginRegistry } from '@buyonline/connect-api';
import { postgresSourcePlugin } from '@buyonline/source-postgres';
import { transformPlugins } from '@buyonline/transforms';

/**
 * The plugins the producer knows by name (the postgres source, the transforms), and where a
 * package named in a pipeline file is looked for: next to the app (`appDir`'s node_modules and
 * its parents'), then NODE_PATH.
 */
export function producerRegistry(appDir: string, nodePath: string | undefined): PluginRegistry {
  return new PluginRegistry({ importer: packageImporter({ from: [appDir], nodePath }) }).register(postgresSourcePlugin, ...transformPlugins);
}

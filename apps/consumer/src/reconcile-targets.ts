import { configOf, configurePlugin, type EnvValues, type PipelineFile } from '@buyonline/app-runtime';
import { ConfigError, PluginRegistry } from '@buyonline/connect-api';
import type { StageSinkConfig } from '@buyonline/sink-stage';
import { postgresSourcePlugin, resolveTables, topicFor } from '@buyonline/source-postgres';
import postgres from 'postgres';
import type { ReconcileOptions } from './reconcile-command.ts';

/**
 * What `reconcile` compares when a pipeline file drives the consumer: every table its `source:`
 * captures (resolved as the producer resolves them: list, regex, excludes), each with the topic
 * the producer writes it to, against the stage its `sink:` writes. PG_URL and the other source
 * variables win over the file, as they do for the producer.
 */
export async function reconcileTargetsFromPipeline(
  pipeline: PipelineFile,
  vars: EnvValues,
  sink: StageSinkConfig,
  flags: { json: boolean; logLevel: ReconcileOptions['logLevel'] },
): Promise<ReconcileOptions> {
  const section = pipeline.source();
  if (!section) throw new ConfigError(`reconcile: pipeline file ${pipeline.file} has no source: section to say which tables to compare`);
  const registry = new PluginRegistry().register(postgresSourcePlugin);
  const configured = await configurePlugin(registry, 'source', {
    section,
    defaultPlugin: postgresSourcePlugin.name,
    env: vars,
    shortcuts: { [postgresSourcePlugin.name]: { PG_URL: 'url', PG_TABLE: 'tables', PG_TABLE_REGEX: 'tableRegex', PG_EXCLUDE_TABLES: 'excludeTables' } },
  });
  const source = configOf(configured, postgresSourcePlugin);
  if (!source) throw new ConfigError(`reconcile compares PostgreSQL tables; this pipeline's source is ${configured.plugin.name}`);
  const sql = postgres(source.url.reveal(), { max: 1, onnotice: () => undefined });
  try {
    const tables = await resolveTables(sql, source);
    return {
      pgUrl: source.url,
      tables: tables.map((t) => ({ schema: t.schema, table: t.table, topic: topicFor(source, t) })),
      sink,
      excludeColumns: source.excludeColumns,
      json: flags.json,
      logLevel: flags.logLevel,
    };
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`reconcile: ${err.message}`);
    throw err;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

import { configOf, configurePlugin, type EnvValues, type PipelineFile } from '@buyonline/app-runtime';
import { ConfigError, PluginRegistry } from '@buyonline/connect-api';
import { capturedTables, reconcileSourcePlugin } from '@buyonline/reconcile';
import type { StageSinkConfig } from '@buyonline/sink-stage';
import type { ReconcileCommandOptions } from './reconcile-command.ts';

/** The log-based source's configuration, as @buyonline/reconcile reads it. */
export type PostgresSourceConfig = Parameters<typeof capturedTables>[0];

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
  flags: { json: boolean; logLevel: ReconcileCommandOptions['logLevel'] },
): Promise<ReconcileCommandOptions> {
  const source = await pipelineSource(pipeline, vars, 'reconcile');
  return { ...(await capturedTables(source)), sink, json: flags.json, logLevel: flags.logLevel };
}

/** The pipeline file's `source:` as the producer reads it (PG_URL and the other source variables win over the file). */
export async function pipelineSource(pipeline: PipelineFile, vars: EnvValues, command: string): Promise<PostgresSourceConfig> {
  const section = pipeline.source();
  if (!section) throw new ConfigError(`${command}: pipeline file ${pipeline.file} has no source: section to say which tables to compare`);
  const registry = new PluginRegistry().register(reconcileSourcePlugin);
  const configured = await configurePlugin(registry, 'source', {
    section,
    defaultPlugin: reconcileSourcePlugin.name,
    env: vars,
    shortcuts: { [reconcileSourcePlugin.name]: { PG_URL: 'url', PG_TABLE: 'tables', PG_TABLE_REGEX: 'tableRegex', PG_EXCLUDE_TABLES: 'excludeTables' } },
  });
  const source = configOf(configured, reconcileSourcePlugin);
  if (!source) throw new ConfigError(`${command} compares PostgreSQL tables; this pipeline's source is ${configured.plugin.name}`);
  return source;
}

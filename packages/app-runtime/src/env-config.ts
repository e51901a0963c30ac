import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError, parseConfig } from '@buyonline/connect-api';
import type { EnvValues } from './env-substitute.ts';
import type { PipelineSection } from './pipeline-file.ts';

/**
 * The environment with a `--config` JSON file (keys named like the variables) below it: the
 * variables win; an empty variable counts as unset. Every setting, the app's own and the plugins'
 * shortcuts, is read from this.
 */
export function envWithConfigFile(env: EnvValues, configFile?: string): EnvValues {
  let fromFile: Record<string, unknown> = {};
  if (configFile) {
    try {
      fromFile = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`cannot read config file ${configFile}: ${(err as Error).message}`);
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) throw new ConfigError(`config file ${configFile}: expected a JSON object of settings by variable name`);
  }
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') merged[key] = value;
  return merged;
}

export interface EnvConfigOptions {
  /** The pipeline file's section of this app's settings (`producer:`), below the environment. */
  section?: PipelineSection | undefined;
  /** Said after `unknown setting` for a key of the section the app does not have (e.g. where a plugin setting goes instead). */
  hints?: Readonly<Record<string, string>>;
}

/**
 * Reads an app's own settings, validated by one flat schema whose keys are the variable names, so
 * every error names the variable to fix (`producer.HEALTH_PORT` when the value came from the
 * pipeline file). `env` is a process environment or envWithConfigFile's result; a string third
 * argument is a `--config` file (the variables win).
 */
export function readEnvConfig<S extends z.ZodObject>(schema: S, env: EnvValues, options: string | EnvConfigOptions = {}): z.output<S> {
  const { section, hints = {} } = typeof options === 'string' ? {} : options;
  const values = typeof options === 'string' ? envWithConfigFile(env, options) : env;
  const input: Record<string, unknown> = {};
  const fromSection = new Set<string>();
  const known = Object.keys(schema.shape);
  const unknown = Object.keys(section?.values ?? {}).filter((key) => !known.includes(key));
  if (section && unknown.length > 0) {
    const lines = unknown.map((key) => `  ${section.path}.${key}: unknown setting${hints[key] ? ` (${hints[key]})` : ''}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  for (const key of known) {
    const value = values[key];
    if (value !== undefined && value !== '') input[key] = value;
    else if (section && section.values[key] !== undefined) {
      input[key] = section.values[key];
      fromSection.add(key);
    }
  }
  return parseConfig(schema, input, (path) => {
    const key = path.split('.')[0] ?? '';
    return fromSection.has(key) ? `${section?.path}.${path}` : path;
  });
}

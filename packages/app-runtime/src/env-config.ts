import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { parseConfig } from '@buyonline/connect-api';
import { ConfigError } from '@buyonline/connect-api';

/**
 * Reads an app's settings: a JSON config file (keys named like the environment variables)
 * overlaid by the environment itself, validated by one flat schema whose keys are the
 * variable names, so every error names the variable to fix.
 */
export function readEnvConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv, configFile?: string): z.output<S> {
  let fromFile: Record<string, unknown> = {};
  if (configFile) {
    try {
      fromFile = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`cannot read config file ${configFile}: ${(err as Error).message}`, { cause: err });
    }
  }
  const input: Record<string, unknown> = { ...fromFile };
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  return parseConfig(schema, input);
}

/** Validates a plugin's config, reporting problems under the variable names they came from. */
export function parsePluginConfig<S extends z.ZodType>(schema: S, input: Record<string, unknown>, envNames: Record<string, string>): z.output<S> {
  return parseConfig(schema, input, (path) => envNames[path.split('.')[0] ?? ''] ?? path);
}

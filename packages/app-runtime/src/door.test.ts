import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as door from './index.ts';
import * as testing from './testing.ts';

describe("app-runtime's doors", () => {
  it('the package publishes what the apps use: config, help, logger, metrics, health and status, progress, plugin loading, the run loop', () => {
    expect(Object.keys(door).sort()).toEqual([
      'PipelineFile',
      'ProgressBar',
      'ProgressWatch',
      'PrometheusMetrics',
      'StatusBoard',
      'buildPluginConfig',
      'configOf',
      'configureChain',
      'configurePlugin',
      'createLogger',
      'envText',
      'envWithConfigFile',
      'formatCount',
      'packageImporter',
      'printStatus',
      'readEnvConfig',
      'renderHelp',
      'runApp',
      'sharedAppSettings',
      'shortcutHints',
      'startHealthServer',
      'statusUrl',
    ]);
  });

  it('test helpers are behind ./testing, and the main door publishes none of them', () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(manifest.exports['./testing']).toEqual({ types: './src/testing.ts', default: './src/testing.ts' });
    expect(Object.keys(testing).sort()).toEqual(['APP_MALLOC_ARENA_MAX', 'APP_NODE_OPTIONS', 'checkMetricSpecs', 'configKeys', 'emittedMetricNames', 'fieldInfo', 'fieldSchema', 'shortcutSpec']);
    for (const name of Object.keys(testing)) expect(Object.keys(door)).not.toContain(name);
    const production = readdirSync(import.meta.dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'testing.ts');
    expect(production.filter((f) => readFileSync(join(import.meta.dirname, f), 'utf8').includes("from './testing.ts'"))).toEqual([]);
  });
});

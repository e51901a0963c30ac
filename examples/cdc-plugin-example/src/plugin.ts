import type { SourcePlugin } from '@buyonline/connect-api';
import { counterSourceConfigSchema } from './config.ts';
import { CounterTask } from './counter-task.ts';

/** The descriptor the runtime finds by package name: `source: { connector: "@acme/cdc-source-counter" }`. */
export const counterSourcePlugin: SourcePlugin<typeof counterSourceConfigSchema> = {
  name: 'counter',
  version: '0.1.0',
  kind: 'source',
  description: 'Counts up, batchSize numbers every intervalMs: an example of a third-party source plugin.',
  configSchema: counterSourceConfigSchema,
  create: (config, ctx) => new CounterTask(config, ctx),
};

import type { SourcePlugin } from '@buyonline/kafka-common';
import { postgresSourceConfigSchema } from './config.ts';
import { PollingTask } from './polling-task.ts';

export const postgresSourcePlugin: SourcePlugin<typeof postgresSourceConfigSchema> = {
  name: 'postgres',
  version: '0.1.0',
  kind: 'source',
  description: 'Captures changes of a PostgreSQL table (polling by transaction horizon).',
  configSchema: postgresSourceConfigSchema,
  create(config, ctx) {
    return new PollingTask(config, ctx);
  },
};

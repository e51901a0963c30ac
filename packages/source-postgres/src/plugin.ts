import type { SourcePlugin } from '@buyonline/connect-api';
import { postgresSourceConfigSchema } from './config.ts';
import { LogicalReplicationTask } from './logical/replication-task.ts';
import { POSTGRES_SOURCE_METRICS } from './metrics.ts';
import { PollingTask } from './polling-task.ts';

export const postgresSourcePlugin: SourcePlugin<typeof postgresSourceConfigSchema> = {
  name: 'postgres',
  version: '0.1.0',
  kind: 'source',
  description: 'Captures changes of a PostgreSQL table: logical replication (pgoutput) or polling by transaction horizon.',
  configSchema: postgresSourceConfigSchema,
  metrics: POSTGRES_SOURCE_METRICS,
  create(config, ctx) {
    return config.mode === 'logical' ? new LogicalReplicationTask(config, ctx) : new PollingTask(config, ctx);
  },
};

export { postgresSourceConfigSchema, type PostgresSourceConfig } from './config.ts';
export { migrateProducts, productsMigrationSql } from './migration.ts';
export { classifyPgError } from './pg-errors.ts';
export { postgresSourcePlugin } from './plugin.ts';
export { PollingTask } from './polling-task.ts';
export { polledRowToRecord, type PolledRow, type PollingOffset } from './product-change.ts';
export { qualified, quoteIdent } from './sql-identifiers.ts';

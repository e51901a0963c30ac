// The door: what the producer and reconcile use (the plugin, its config type and table names,
// the slot and snapshot commands, the polling migration, SQL identifier quoting). Everything
// else is the plugin's own; its tests import the module beside them.
export { type PostgresSourceConfig, qualifiedTable } from './config.ts';
export type { KeyRange } from './logical/offsets.ts';
export { dropSlot } from './logical/slot-admin.ts';
export { SnapshotVisibility } from './logical/snapshot-visibility.ts';
export { postgresSourcePlugin } from './plugin.ts';
export { objectName } from './polling/cdc-objects.ts';
export { migrateTables } from './polling/migration.ts';
export { capturePartitions, requestSnapshot } from './positions.ts';
export { qualified, quoteIdent } from './sql-identifiers.ts';
export { resolveTables, tableName, topicFor } from './tables.ts';

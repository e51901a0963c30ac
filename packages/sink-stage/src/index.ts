// What a sink user needs: the plugins (their config schemas are on the descriptors), the SQL
// that sets Snowflake up, and the stage reader with the stage line's column names (reconcile).
// Tests reach the file naming and the Snowflake statements through `@buyonline/sink-stage/testing`.
export type { StageSinkConfig } from './config.ts';
export { type LastStageFile, lastStageFiles } from './last-stage-files.ts';
export { localStagePlugin, snowflakeStagePlugin } from './plugin.ts';
export { setupStatements } from './snowflake/sql.ts';
export { stageName } from './stage-names.ts';
export { readStageLines, type StageLine, type TypedTablesRead } from './stage-reader.ts';

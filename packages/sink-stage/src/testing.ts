// For tests only (`@buyonline/sink-stage/testing`; production code never imports it): what
// other packages' tests use to write a stage the way the sink does, and to look into what
// Snowflake (or its emulator) holds.
export { stageSinkConfigSchema } from './config.ts';
export { parseStageFileName, partitionPath, type StageFileRef, stageFileName } from './file-naming.ts';
export { SdkSnowflakeClient } from './snowflake/client.ts';
export { copyFileStatement, copyStatement, listStatement, parseListedFile, putStatement, type SnowflakeSqlTarget, selectLoadedStatement, stageLocation } from './snowflake/sql.ts';
export { tableNameForTopic } from './snowflake/table-naming.ts';
export { tableColumns } from './snowflake/typed-columns.ts';
export { columnsStatement, currentTableOf, insertFromLandingStatement, landingTableOf, mergeStatement } from './snowflake/typed-sql.ts';

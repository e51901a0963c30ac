export {
  flag,
  localStageConfigSchema,
  snowflakeStageConfigSchema,
  stageSinkConfigSchema,
  type LocalStageConfig,
  type SnowflakeStageConfig,
  type StageSinkConfig,
} from './config.ts';
export { parseStageFileName, partitionPath, stageFileName, type StageFileRef } from './file-naming.ts';
export { type LastStageFile, lastStageFiles } from './last-stage-files.ts';
export { LocalStage } from './local-stage.ts';
export { createStageStore, localStagePlugin, snowflakeClientFor, snowflakeStagePlugin, stageSinkPlugin } from './plugin.ts';
export { connectionOptions, DryRunClient, SdkSnowflakeClient, type Row, type SnowflakeAuth, type SnowflakeClient } from './snowflake/client.ts';
export { classifySnowflakeError } from './snowflake/errors.ts';
export { SnowflakeStage, type SnowflakeStageOptions } from './snowflake/snowflake-stage.ts';
export {
  copyFileStatement,
  copyStatement,
  errorLocation,
  listStatement,
  parseListedFile,
  putErrorStatement,
  putStatement,
  qualifiedName,
  quoteIdent,
  quoteLiteral,
  remoteFileName,
  selectLoadedStatement,
  setupStatements,
  stageLocation,
  stagePartitionPath,
  stageReference,
  tableExistsStatement,
  type SnowflakeSqlTarget,
} from './snowflake/sql.ts';
export { currentRowToLine, readCurrentTableLines, selectCurrentStatement } from './snowflake/current-table.ts';
export { parseTopic2TableMap, tableNameForTopic } from './snowflake/table-naming.ts';
export { columnNameOf, columnsOfSchema, fieldOfColumn, METADATA_COLUMNS, rawExpression, readExpression, readExpressions, snowflakeTypeOf, tableColumns, type TypedColumn } from './snowflake/typed-columns.ts';
export {
  addColumnStatement,
  columnsStatement,
  createTypedTableStatement,
  currentTableOf,
  insertFromLandingStatement,
  landingTableOf,
  mergeStatement,
  truncateCurrentStatement,
  typedCopyStatement,
} from './snowflake/typed-sql.ts';
export { StageSinkTask } from './stage-sink-task.ts';
export type { FileSchema, StageStore } from './stage-store.ts';
export { stageLine, toStageRow } from './stage-row.ts';
export { fieldStageName, ORIGINAL_NAME, originalName, type StageNames, stageKey, stageName, stageNamesOf } from './stage-names.ts';

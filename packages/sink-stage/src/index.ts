export { stageSinkConfigSchema, type StageSinkConfig } from './config.ts';
export { parseStageFileName, partitionPath, stageFileName, type StageFileRef } from './file-naming.ts';
export { LocalStage } from './local-stage.ts';
export { stageSinkPlugin } from './plugin.ts';
export { StageSinkTask } from './stage-sink-task.ts';
export type { StageStore } from './stage-store.ts';
export { toStageRow } from './stage-row.ts';

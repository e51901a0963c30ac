// The command's path: what to compare, the run over its tables, what it prints.
export { capturedTables, reconcileSourcePlugin } from './captured-tables.ts';
export { type ReconcileOptions, reconcileTables } from './reconcile-tables.ts';
export { MISMATCH, type ReconcileRun, reconcileOutput, type TableResult } from './report.ts';
export { parsePgTable, readCatalogColumns, readSourceRows, reconcileSql } from './source-rows.ts';
// The comparison engine, apart from any rendering: one table's shape, its rows on both sides, the keyed merge join.
export {
  type Difference,
  type ReconcileProgress,
  type ReconcileReport,
  type ReconcileStageOptions,
  reconcile,
  reconcileStage,
  type SideSummary,
  type StageReadStats,
  type TableRow,
} from './compare.ts';
export { type CatalogColumn, type KeyParts, keyComparator, type ReconcileTable, type TableShape, tableShape } from './shape.ts';
export { readStageLinesFor } from './stage-lines.ts';

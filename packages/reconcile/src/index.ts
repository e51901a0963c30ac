// What the consumer's reconcile and verify commands use: what to compare, the runs over its tables, what they print.
// The comparison engine (shape.ts, compare.ts, latest-per-key.ts, versions.ts, values.ts) renders
// nothing; verify adds its point, ranges and repair (verify-*.ts, range-compare.ts, stage-at-point.ts).
export { capturedTables, reconcileSourcePlugin } from './captured-tables.ts';
export { type ReconcileOptions, reconcileTables } from './reconcile-tables.ts';
export { reconcileOutput } from './report.ts';
export { parsePgTable } from './source-rows.ts';
export { type RepairOptions, verifyAndRepair } from './verify-repair.ts';
export { verifyOutput } from './verify-report.ts';
export type { VerifyOptions } from './verify-tables.ts';

// What the consumer's reconcile command uses: what to compare, the run over its tables, what it prints.
// The comparison engine (shape.ts, compare.ts, latest-per-key.ts, versions.ts, values.ts) renders
// nothing; a command built on it (issue 21's verify) adds the names it needs here.
export { capturedTables, reconcileSourcePlugin } from './captured-tables.ts';
export { type ReconcileOptions, reconcileTables } from './reconcile-tables.ts';
export { reconcileOutput } from './report.ts';
export { parsePgTable } from './source-rows.ts';

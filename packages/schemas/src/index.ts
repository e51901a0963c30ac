export { changeEnvelopeSchema } from './generated/schemas.ts';

import type { IoBuyonlineCdc } from './generated/types.ts';
export type ChangeSource = IoBuyonlineCdc.Source;
export type Operation = IoBuyonlineCdc.Operation;

/** One change of a row of any table: the shared envelope plus the table's row before and after. */
export interface ChangeEvent<Row = Record<string, unknown>> {
  op: Operation;
  before: Row | null;
  after: Row | null;
  source: ChangeSource;
  ts_us: number;
  /** Columns whose TOASTed value did not change and is not in the record. */
  unchanged_toast?: string[];
}

import { type PluginContext, Redacted } from '@buyonline/connect-api';
import { type KeyRange, requestSnapshot } from '@buyonline/source-postgres';
import { reconcileSql } from './source-rows.ts';
import { keyText, type TableVerification, type VerifyOptions, type VerifyRun, verifyTables } from './verify-tables.ts';

/** What `--repair` asked for one table: an incremental snapshot of its mismatched ranges. */
export interface TableRepair {
  schema: string;
  table: string;
  ranges: KeyRange[];
  /** The execute-snapshot signal's LSN. */
  signalLsn: string;
}

export interface VerifyOutcome {
  /** The verification at the first point. */
  first: VerifyRun;
  repairs: TableRepair[];
  /** With repairs: the repaired tables verified again at a later point (the last attempt). */
  after?: VerifyRun;
  /** Verifications after the repair (each at its own point) until the tables were equal. */
  attempts: number;
}

export interface RepairOptions {
  repair: boolean;
  /** Verifications of the repaired tables before giving up (default 10), `intervalMs` apart (default 2 s). */
  attempts?: number | undefined;
  intervalMs?: number | undefined;
}

const reveal = (url: string | Redacted<string>) => (url instanceof Redacted ? url.reveal() : url);
type Mismatched = Exclude<TableVerification, { status: 'skipped' }>;

/**
 * Verifies the tables; with `repair`, asks the capture for an incremental snapshot of exactly the
 * ranges that differ (source-postgres's execute-snapshot signal with key ranges), then verifies
 * the repaired tables again, at a new point each time, until they are equal or the attempts are
 * spent. A snapshot brings back lost and changed keys; a key only the stage holds (extra) or a
 * change it holds twice stays as it is (the report still names it).
 */
export async function verifyAndRepair(options: VerifyOptions, repair: RepairOptions, ctx: PluginContext): Promise<VerifyOutcome> {
  const first = await verifyTables(options, ctx);
  const mismatched = first.tables.filter((t): t is Mismatched => t.status === 'mismatch');
  if (!repair.repair || mismatched.length === 0) return { first, repairs: [], attempts: 0 };
  const sql = reconcileSql(reveal(options.pgUrl));
  const repairs: TableRepair[] = [];
  try {
    for (const t of mismatched) {
      const ranges = t.mismatched.map((r) => ({ after: keyText(r.after), upTo: keyText(r.upTo) }));
      const signalLsn = await requestSnapshot(sql, [{ schema: t.schema, table: t.table }], undefined, ranges);
      ctx.logger.info({ table: `${t.schema}.${t.table}`, ranges: ranges.length, signalLsn }, 'verify: incremental snapshot of the mismatched ranges requested');
      repairs.push({ schema: t.schema, table: t.table, ranges, signalLsn });
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  const tables = options.tables.filter((ref) => mismatched.some((t) => t.schema === ref.schema && t.table === ref.table));
  const attempts = repair.attempts ?? 10;
  let after: VerifyRun | undefined;
  let n = 0;
  while (n < attempts) {
    n++;
    after = await verifyTables({ ...options, tables }, ctx);
    if (after.equal) break;
    await new Promise((resolve) => setTimeout(resolve, repair.intervalMs ?? 2000));
  }
  return after ? { first, repairs, after, attempts: n } : { first, repairs, attempts: n };
}

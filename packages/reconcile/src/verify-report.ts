import type { TableRepair, VerifyOutcome } from './verify-repair.ts';
import type { TableVerification, VerifyRun } from './verify-tables.ts';

/** Exit code of `verify` when the stage differs from PostgreSQL at the point. */
export const DIFFERENCES = 3;

/** What a verification says of one table, as a metric would (the `--json` line's `metrics`). */
export interface TableMetrics {
  table: string;
  /** When its last verification's point was taken (ISO 8601), and its result. */
  lastVerifiedAt: string;
  result: 'equal' | 'mismatch' | 'skipped';
  rowsCompared: number;
  rangesMismatched: number;
  rangesRepaired: number;
}

const name = (t: { schema: string; table: string }) => `${t.schema}.${t.table}`;
const bound = (key: readonly string[] | null) => (key === null ? '∞' : key.length === 1 ? (key[0] as string) : JSON.stringify(key));

/** The final verdict: after a repair, the repaired tables' last verification; else the first. */
function finalTables(outcome: VerifyOutcome): TableVerification[] {
  const { after } = outcome;
  if (!after) return outcome.first.tables;
  return outcome.first.tables.map((t) => after.tables.find((a) => name(a) === name(t)) ?? t);
}

export function verifyMetrics(outcome: VerifyOutcome): TableMetrics[] {
  const last = (t: TableVerification): VerifyRun => (outcome.after?.tables.some((a) => name(a) === name(t)) ? outcome.after : outcome.first);
  return finalTables(outcome).map((t) => {
    const before = outcome.first.tables.find((f) => name(f) === name(t));
    const requested = outcome.repairs.find((r) => name(r) === name(t))?.ranges.length ?? 0;
    const left = t.status === 'skipped' ? 0 : t.mismatched.length;
    return {
      table: name(t),
      lastVerifiedAt: new Date(last(t).at).toISOString(),
      result: t.status,
      rowsCompared: t.status === 'skipped' ? 0 : t.rows.source + t.rows.stage,
      rangesMismatched: before && before.status !== 'skipped' ? before.mismatched.length : 0,
      rangesRepaired: Math.max(0, requested - (requested > 0 ? left : 0)),
    };
  });
}

function renderRun(run: VerifyRun, title: string): string[] {
  const out = [`${title}: ${run.equal ? 'EQUAL' : 'DIFFERENCES'} at ${run.point.lsn} (snapshot ${run.point.snapshot}), ${(run.durationMs / 1000).toFixed(1)} s`];
  for (const t of run.tables) {
    if (t.status === 'skipped') {
      out.push(`table ${name(t)}: SKIPPED — ${t.reason}`);
      continue;
    }
    const { counts } = t;
    out.push(
      `table ${name(t)} (key ${t.keyColumns.join(', ')}): ${t.status === 'equal' ? 'EQUAL' : 'DIFFERENCES'} — ${t.rows.source} rows in PostgreSQL, ${t.rows.stage} keys in the stage, ${t.ranges} ranges, ${t.mismatched.length} differ (${t.stage.lines} stage lines, ${t.stage.afterPoint} after the point)`,
    );
    if (t.status === 'equal') continue;
    out.push(`  lost ${counts.lost}, extra ${counts.extra}, changed ${counts.changed}, duplicated ${counts.duplicated}`);
    for (const r of t.mismatched) {
      const parts = [
        r.lost.length ? `lost ${r.lost.join(', ')}` : '',
        r.extra.length ? `extra ${r.extra.join(', ')}` : '',
        r.changed.length ? `changed ${r.changed.map((c) => `${c.id} (${c.fields.join(', ')})`).join(', ')}` : '',
        r.duplicated.length ? `duplicated ${r.duplicated.join(', ')}` : '',
      ].filter(Boolean);
      out.push(`  range (${bound(r.after)}, ${bound(r.upTo)}]: ${parts.join('; ')}`);
    }
  }
  return out;
}

const renderRepair = (r: TableRepair) => `repair ${name(r)}: incremental snapshot of ${r.ranges.length} range(s) requested at ${r.signalLsn}`;

/**
 * What `verify` prints (for people, or with `json` one line `{"verify": …}`) and its exit code:
 * 0 every table equal at the (last) point, 3 differences.
 */
export function verifyOutput(outcome: VerifyOutcome, json: boolean): { text: string; exitCode: number } {
  const tables = finalTables(outcome);
  const equal = tables.every((t) => t.status !== 'mismatch');
  const exitCode = equal ? 0 : DIFFERENCES;
  if (json) {
    const body = { equal, first: outcome.first, repairs: outcome.repairs, after: outcome.after ?? null, attempts: outcome.attempts, metrics: verifyMetrics(outcome) };
    return { text: `${JSON.stringify({ verify: body })}\n`, exitCode };
  }
  const lines = renderRun(outcome.first, 'verify');
  lines.push(...outcome.repairs.map(renderRepair));
  if (outcome.after) lines.push(...renderRun(outcome.after, `verify after repair (attempt ${outcome.attempts})`));
  return { text: `${lines.join('\n')}\n`, exitCode };
}

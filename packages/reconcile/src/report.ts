import { createHash } from 'node:crypto';
import type { ReconcileReport, SideSummary, StageReadStats } from './compare.ts';

/** What reconcile found for one table. */
export type TableResult =
  | {
      status: 'equal' | 'mismatch';
      schema: string;
      table: string;
      topics: readonly string[];
      keyColumns: string[];
      report: ReconcileReport;
      stats: StageReadStats;
    }
  | { status: 'skipped'; schema: string; table: string; topics: readonly string[]; reason: string };

/** What a run found, and the label of the stage it read. */
export interface ReconcileRun {
  equal: boolean;
  tables: TableResult[];
  stageLabel: string;
}

/** Exit code of `reconcile` when the stage differs from PostgreSQL. */
export const MISMATCH = 3;

type Compared = Extract<TableResult, { report: ReconcileReport }>;

const compared = (results: readonly TableResult[]): Compared[] => results.filter((r): r is Compared => r.status !== 'skipped');

/** The tables' summaries as one: a single table's own; for several, row counts summed and a sha256 over `schema.table checksum` lines. */
function total(results: readonly Compared[], side: 'source' | 'stage'): SideSummary {
  const [only] = results;
  if (results.length === 1 && only) return only.report[side];
  const hash = createHash('sha256');
  for (const r of results) hash.update(`${r.schema}.${r.table} ${r.report[side].checksum}\n`);
  return { rows: results.reduce((n, r) => n + r.report[side].rows, 0), checksum: hash.digest('hex') };
}

/** Every compared table equal (skipped tables are not compared, and do not make a run unequal). */
export function allEqual(results: readonly TableResult[]): boolean {
  return compared(results).every((r) => r.report.equal);
}

/**
 * The `--json` report (printed as `{"reconcile": …}` on one line): the totals over the
 * compared tables (`equal`, `source`, `stage`, `counts`, `lines`, `skipped`), the stage's
 * label, and per table its status and report under `tables`. A run over exactly one table
 * also carries that table's `missing`, `extra` and `differing` lists at the top level.
 */
export function jsonReport(results: readonly TableResult[], stageLabel: string): Record<string, unknown> {
  const done = compared(results);
  const counts = { missing: 0, extra: 0, differing: 0 };
  for (const r of done) {
    counts.missing += r.report.counts.missing;
    counts.extra += r.report.counts.extra;
    counts.differing += r.report.counts.differing;
  }
  const [only] = results;
  const single = results.length === 1 && only && only.status !== 'skipped' ? only.report : undefined;
  return {
    equal: allEqual(results),
    source: total(done, 'source'),
    stage: total(done, 'stage'),
    counts,
    ...(single ? { missing: single.missing, extra: single.extra, differing: single.differing } : {}),
    lines: done.reduce((n, r) => n + r.stats.lines, 0),
    skipped: results.length - done.length,
    stageLabel,
    tables: results.map((r) =>
      r.status === 'skipped'
        ? { table: `${r.schema}.${r.table}`, schema: r.schema, name: r.table, topics: r.topics, status: r.status, reason: r.reason }
        : {
            table: `${r.schema}.${r.table}`,
            schema: r.schema,
            name: r.table,
            topics: r.topics,
            status: r.status,
            keyColumns: r.keyColumns,
            ...r.report,
            lines: r.stats.lines,
            stats: r.stats,
          },
    ),
  };
}

/** A report for people: per table its verdict, counts and checksums, then up to `limit` keys of each kind; a total line first. */
export function renderReport(results: readonly TableResult[], stageLabel: string, limit = 20): string {
  const done = compared(results);
  const mismatched = done.filter((r) => !r.report.equal).length;
  const skipped = results.length - done.length;
  const out = [
    `reconcile: ${allEqual(results) ? 'EQUAL' : 'MISMATCH'} (${results.length} table${results.length === 1 ? '' : 's'}: ${done.length - mismatched} equal, ${mismatched} mismatched, ${skipped} skipped; stage ${stageLabel})`,
  ];
  const more = (n: number) => (n > limit ? ` … and ${n - limit} more` : '');
  for (const r of results) {
    const name = `${r.schema}.${r.table}`;
    if (r.status === 'skipped') {
      out.push(`table ${name}: SKIPPED — ${r.reason}`);
      continue;
    }
    const { report, stats } = r;
    const { counts } = report;
    out.push(
      `table ${name} (key ${r.keyColumns.join(', ')}; topic ${r.topics.join(', ')}): ${report.equal ? 'EQUAL' : 'MISMATCH'}`,
      `  source PostgreSQL ${name}: ${report.source.rows} rows, sha256 ${report.source.checksum}`,
      `  stage  ${stats.lines} lines: ${report.stage.rows} keys, sha256 ${report.stage.checksum}`,
      `  missing from the stage: ${counts.missing}, extra in the stage: ${counts.extra}, differing: ${counts.differing}`,
    );
    if (counts.missing) out.push(`  missing keys: ${report.missing.slice(0, limit).join(', ')}${more(counts.missing)}`);
    if (counts.extra) out.push(`  extra keys: ${report.extra.slice(0, limit).join(', ')}${more(counts.extra)}`);
    for (const d of report.differing.slice(0, limit)) {
      const detail = d.fields.map((f) => `${f}: source ${JSON.stringify(d.source[f])} stage ${JSON.stringify(d.stage[f])}`).join('; ');
      out.push(`  key ${d.id} differs — ${detail}`);
    }
    if (counts.differing > limit) out.push(`  … and ${counts.differing - limit} more differing`);
    for (const [column, rows] of Object.entries(report.notCarried ?? {})) {
      out.push(`  not compared: ${column} for ${rows} rows whose stage lines never carried it (the column was added after they were written)`);
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * What the `reconcile` command prints for a run (the report for people, or with `json` one line
 * `{"reconcile": …}`) and the exit code it ends with: 0 every compared table equal, 3 a mismatch.
 */
export function reconcileOutput(run: ReconcileRun, json: boolean): { text: string; exitCode: number } {
  const text = json ? `${JSON.stringify({ reconcile: jsonReport(run.tables, run.stageLabel) })}\n` : renderReport(run.tables, run.stageLabel);
  return { text, exitCode: run.equal ? 0 : MISMATCH };
}

import { createHash, type Hash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KeyState, LatestPerKey, type LatestPerKeyStats } from './latest-per-key.ts';
import { displayKey, type KeyParts, keyComparator, type TableShape } from './shape.ts';
import { type KeyVersion, mergeVersions, stageEntry, Truncates } from './versions.ts';

/** One row as compared: its key (canonical key values, in key order) and every compared column's canonical value, in column order. */
export interface TableRow {
  key: KeyParts;
  /** Canonical values in column order; undefined (stage side only): no line of the key carried the column. */
  values: readonly (string | null | undefined)[];
}

export interface SideSummary {
  rows: number;
  /** sha256 over the rows in key order, each as the JSON array of its compared values (column order) and a newline. */
  checksum: string;
}

export interface Difference {
  /** The key as people read it (see displayKey). */
  id: string;
  key: KeyParts;
  source: Record<string, string | null>;
  stage: Record<string, string | null>;
  /** The columns whose values differ, in column order. */
  fields: string[];
}

export interface ReconcileReport {
  equal: boolean;
  source: SideSummary;
  stage: SideSummary;
  /** How many keys of each kind (the lists below hold the first ones, in key order). */
  counts: { missing: number; extra: number; differing: number };
  /** In the source, not in the stage. */
  missing: string[];
  /** In the stage, not (any more) in the source. */
  extra: string[];
  differing: Difference[];
  /**
   * Per column, rows whose stage lines never carried it (it was added to the table after they
   * were written, e.g. ADD COLUMN … DEFAULT, which writes no WAL for existing rows): not compared.
   */
  notCarried: Record<string, number>;
}

export interface StageReadStats extends LatestPerKeyStats {
  /** Stage lines read. */
  lines: number;
  /** TRUNCATE lines among them. */
  truncates: number;
  /** Lines skipped: without a value for every key column, or of another table. */
  skipped: number;
}

/** Keys listed per kind in a report; the counts are always exact. */
export const LIST_LIMIT = 1000;

export function rowOf(shape: TableShape, key: KeyParts, v: KeyVersion): TableRow {
  const values: (string | null | undefined)[] = shape.columns.map((_, i) => {
    const f = v.fields[i];
    return f === undefined ? undefined : f[0];
  });
  shape.key.forEach((c, i) => {
    values[c] = key[i] as string;
  });
  return { key, values };
}

/**
 * The latest state per key from stage lines (parsed JSON objects), in memory, in key order:
 * see versions.ts for the order (source position, then Kafka offset). A latest line
 * with `__deleted: true`, or a TRUNCATE of the table after it, removes the key. For small
 * stages and tests; the command streams (`reconcileStage`).
 */
export function latestState(shape: TableShape, lines: Iterable<Record<string, unknown>>): Map<string, TableRow> {
  const best = new Map<string, KeyState>();
  const truncates = new Truncates();
  for (const line of lines) {
    const entry = stageEntry(line, shape);
    if (entry.kind === 'truncate') truncates.add(entry.table, entry.position);
    if (entry.kind !== 'row') continue;
    const text = JSON.stringify(entry.key);
    const known = best.get(text);
    best.set(text, { key: entry.key, version: known ? mergeVersions(known.version, entry.version) : entry.version });
  }
  const compare = keyComparator(shape);
  const out = new Map<string, TableRow>();
  for (const { key, version } of [...best.values()].sort((a, b) => compare(a.key, b.key))) {
    if (!version.deleted && !truncates.removes(version)) out.set(displayKey(key), rowOf(shape, key, version));
  }
  return out;
}

const rowText = (r: TableRow) => `${JSON.stringify(r.values)}\n`;

export function summarize(shape: TableShape, rows: Iterable<TableRow>): SideSummary {
  const compare = keyComparator(shape);
  const sorted = [...rows].sort((a, b) => compare(a.key, b.key));
  const hash = createHash('sha256');
  for (const r of sorted) hash.update(rowText(r));
  return { rows: sorted.length, checksum: hash.digest('hex') };
}

class Side {
  rows = 0;
  private readonly hash: Hash = createHash('sha256');
  add(r: TableRow): void {
    this.rows++;
    this.hash.update(rowText(r));
  }
  summary(): SideSummary {
    return { rows: this.rows, checksum: this.hash.digest('hex') };
  }
}

async function* alive(shape: TableShape, states: AsyncIterable<KeyState>, truncates: Truncates): AsyncGenerator<TableRow> {
  for await (const { key, version } of states) {
    if (!version.deleted && !truncates.removes(version)) yield rowOf(shape, key, version);
  }
}

type Rows = Iterable<TableRow> | AsyncIterable<TableRow>;

const iteratorOf = (rows: Rows): AsyncIterator<TableRow> | Iterator<TableRow> =>
  Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : rows[Symbol.iterator]();

const record = (shape: TableShape, r: TableRow) => Object.fromEntries(shape.columns.map((c, i) => [c.name, r.values[i] ?? null]));

/**
 * Compares two streams of rows of `shape`, both in key order (keyComparator), with a merge
 * join: memory holds one row of each side and the first `limit` keys of each kind. A side
 * that is not in key order is an error, never a wrong answer.
 */
export async function reconcile(shape: TableShape, sourceRows: Rows, stageRows: Rows, limit = LIST_LIMIT, progress?: ReconcileProgress): Promise<ReconcileReport> {
  const compare = keyComparator(shape);
  const source = new Side();
  const stage = new Side();
  const counts = { missing: 0, extra: 0, differing: 0 };
  const missing: string[] = [];
  const extra: string[] = [];
  const differing: Difference[] = [];
  const ordered = (label: string) => {
    let last: KeyParts | undefined;
    return (key: KeyParts) => {
      if (last !== undefined && compare(last, key) >= 0) {
        throw new Error(`reconcile: the ${label} rows of ${shape.name} are not in key order (${displayKey(last)} before ${displayKey(key)})`);
      }
      last = key;
    };
  };
  // A Map: a column may be named `__proto__` or `constructor`.
  const notCarried = new Map<string, number>();
  const next = async (it: AsyncIterator<TableRow> | Iterator<TableRow>, check: (key: KeyParts) => void) => {
    const n = await it.next();
    if (n.done) return undefined;
    check(n.value.key);
    return n.value;
  };
  const sIt = iteratorOf(sourceRows);
  const tIt = iteratorOf(stageRows);
  const checkSource = ordered('source');
  const checkStage = ordered('stage');
  let s = await next(sIt, checkSource);
  let t = await next(tIt, checkStage);
  let compared = 0;
  while (s || t) {
    if (progress && ++compared % PROGRESS_EVERY === 0) progress('rows compared', shape.name, compared);
    const order = !s ? 1 : !t ? -1 : compare(s.key, t.key);
    if (order < 0 && s) {
      if (counts.missing++ < limit) missing.push(displayKey(s.key));
      source.add(s);
      s = await next(sIt, checkSource);
    } else if (order > 0 && t) {
      if (counts.extra++ < limit) extra.push(displayKey(t.key));
      stage.add(t);
      t = await next(tIt, checkStage);
    } else if (s && t) {
      const want = s;
      // A column no line of the key carried is not compared: the stage takes the source's value.
      const got: TableRow = { key: t.key, values: t.values.map((v, i) => (v === undefined ? want.values[i] : v)) };
      t.values.forEach((v, i) => {
        const name = shape.columns[i]?.name;
        if (v === undefined && name !== undefined) notCarried.set(name, (notCarried.get(name) ?? 0) + 1);
      });
      const fields = shape.columns.filter((_, i) => want.values[i] !== got.values[i]).map((c) => c.name);
      if (fields.length > 0 && counts.differing++ < limit) {
        differing.push({ id: displayKey(want.key), key: want.key, source: record(shape, want), stage: record(shape, got), fields });
      }
      source.add(want);
      stage.add(got);
      s = await next(sIt, checkSource);
      t = await next(tIt, checkStage);
    }
  }
  progress?.('rows compared', shape.name, compared);
  const sum = source.summary();
  const st = stage.summary();
  return {
    equal: counts.missing === 0 && counts.extra === 0 && counts.differing === 0 && sum.checksum === st.checksum,
    source: sum,
    stage: st,
    counts,
    missing,
    extra,
    differing,
    notCarried: Object.fromEntries(notCarried),
  };
}

export interface ReconcileStageOptions {
  /** Parent of the temporary folder for sort runs (default: the OS temp dir). */
  tmpDir?: string;
  /** Keys held in memory before a sort run is spilled (default 100,000). */
  runKeys?: number;
  /** Runs merged at once (default 64). */
  fanIn?: number;
  limit?: number;
  /** Told how far each step is, every few thousand rows (the command's progress bar). */
  progress?: ReconcileProgress;
}

/** How far a step of a table's reconcile is: stage lines read, then rows compared. */
export type ReconcileProgress = (step: 'stage lines read' | 'rows compared', table: string, done: number) => void;

const PROGRESS_EVERY = 5_000;

/**
 * PostgreSQL's rows of one table (in key order) against its topic's stage lines (any order):
 * the lines are reduced to the latest version per key with an external sort (bounded memory,
 * runs on disk), TRUNCATEs applied, then merge-joined with the source rows.
 */
export async function reconcileStage(
  shape: TableShape,
  sourceRows: Rows,
  stageLines: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>,
  options: ReconcileStageOptions = {},
): Promise<{ report: ReconcileReport; stats: StageReadStats }> {
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'buyonline-reconcile-'));
  try {
    const latest = new LatestPerKey({ dir, runKeys: options.runKeys ?? 100_000, fanIn: options.fanIn ?? 64, compare: keyComparator(shape) });
    const truncates = new Truncates();
    let lines = 0;
    let truncated = 0;
    let skipped = 0;
    const { progress } = options;
    for await (const line of stageLines) {
      lines++;
      if (progress && lines % PROGRESS_EVERY === 0) progress('stage lines read', shape.name, lines);
      const entry = stageEntry(line, shape);
      if (entry.kind === 'row') await latest.add(entry.key, entry.version);
      else if (entry.kind === 'truncate') {
        truncated++;
        truncates.add(entry.table, entry.position);
      } else skipped++;
    }
    progress?.('stage lines read', shape.name, lines);
    const report = await reconcile(shape, sourceRows, alive(shape, latest.sorted(), truncates), options.limit, progress);
    return { report, stats: { lines, truncates: truncated, skipped, ...latest.stats } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

import { createHash, type Hash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KeyState, LatestPerKey, type LatestPerKeyStats } from './reconcile-latest.ts';
import { COMPARED_FIELDS, type ComparedField, compareIds, type KeyVersion, mergeVersions, stageEntry, Truncates } from './reconcile-versions.ts';

/** One product as compared: the business columns, as text (price a decimal string, timestamp ISO-8601 µs UTC). */
export interface ProductState {
  id: string;
  name: string;
  category: string | null;
  price: string;
  updated_timestamp: string;
}

export interface SideSummary {
  rows: number;
  /** sha256 over the rows in id order, each as the JSON array [id, name, category, price, updated_timestamp]. */
  checksum: string;
}

export interface Difference {
  id: string;
  source: ProductState;
  stage: ProductState;
  fields: ComparedField[];
}

export interface ReconcileReport {
  equal: boolean;
  source: SideSummary;
  stage: SideSummary;
  /** How many keys of each kind (the lists below hold the first ones, in id order). */
  counts: { missing: number; extra: number; differing: number };
  /** In the source, not in the stage. */
  missing: string[];
  /** In the stage, not (any more) in the source. */
  extra: string[];
  differing: Difference[];
}

export interface StageReadStats extends LatestPerKeyStats {
  /** Stage lines read. */
  lines: number;
  /** TRUNCATE lines among them. */
  truncates: number;
}

/** Keys listed per kind in a report; the counts are always exact. */
export const LIST_LIMIT = 1000;

function stateOf(id: string, v: KeyVersion): ProductState {
  const f = v.fields;
  return {
    id,
    name: f.name?.[0] ?? '',
    category: f.category?.[0] ?? null,
    price: f.price?.[0] ?? '',
    updated_timestamp: f.updated_timestamp?.[0] ?? '',
  };
}

/**
 * The latest state per key from stage lines (parsed JSON objects), in memory: see
 * reconcile-versions.ts for the order (source position, then Kafka offset). A latest line
 * with `__deleted: true`, or a TRUNCATE of the table after it, removes the key. Lines
 * without an id (and that are no TRUNCATE) are ignored. For small stages and tests; the
 * command streams (`reconcileStage`).
 */
export function latestState(lines: Iterable<Record<string, unknown>>): Map<string, ProductState> {
  const best = new Map<string, KeyVersion>();
  const truncates = new Truncates();
  for (const line of lines) {
    const entry = stageEntry(line);
    if (entry.kind === 'truncate') truncates.add(entry.table, entry.position);
    if (entry.kind !== 'row') continue;
    const known = best.get(entry.id);
    best.set(entry.id, known ? mergeVersions(known, entry.version) : entry.version);
  }
  const out = new Map<string, ProductState>();
  for (const id of [...best.keys()].sort(compareIds)) {
    const v = best.get(id) as KeyVersion;
    if (!v.deleted && !truncates.removes(v)) out.set(id, stateOf(id, v));
  }
  return out;
}

const rowText = (r: ProductState) => `${JSON.stringify([r.id, r.name, r.category, r.price, r.updated_timestamp])}\n`;

export function summarize(rows: Iterable<ProductState>): SideSummary {
  const sorted = [...rows].sort((a, b) => compareIds(a.id, b.id));
  const hash = createHash('sha256');
  for (const r of sorted) hash.update(rowText(r));
  return { rows: sorted.length, checksum: hash.digest('hex') };
}

class Side {
  rows = 0;
  private readonly hash: Hash = createHash('sha256');
  add(r: ProductState): void {
    this.rows++;
    this.hash.update(rowText(r));
  }
  summary(): SideSummary {
    return { rows: this.rows, checksum: this.hash.digest('hex') };
  }
}

async function* alive(states: AsyncIterable<KeyState>, truncates: Truncates): AsyncGenerator<ProductState> {
  for await (const { id, version } of states) {
    if (!version.deleted && !truncates.removes(version)) yield stateOf(id, version);
  }
}

/**
 * Compares two streams of rows, both in id order (compareIds), with a merge join: memory
 * holds one row of each side and the first LIST_LIMIT keys of each kind. A source that is
 * not in id order is an error, never a wrong answer.
 */
export async function reconcile(
  sourceRows: Iterable<ProductState> | AsyncIterable<ProductState>,
  stageRows: Iterable<ProductState> | AsyncIterable<ProductState>,
  limit = LIST_LIMIT,
): Promise<ReconcileReport> {
  const source = new Side();
  const stage = new Side();
  const counts = { missing: 0, extra: 0, differing: 0 };
  const missing: string[] = [];
  const extra: string[] = [];
  const differing: Difference[] = [];
  const ordered = (label: string) => {
    let last: string | undefined;
    return (id: string) => {
      if (last !== undefined && compareIds(last, id) >= 0) throw new Error(`reconcile: the ${label} rows are not in id order (${last} before ${id})`);
      last = id;
    };
  };
  const checkSource = ordered('source');
  const checkStage = ordered('stage');
  const sIt = (Symbol.asyncIterator in sourceRows ? sourceRows[Symbol.asyncIterator]() : sourceRows[Symbol.iterator]()) as
    | AsyncIterator<ProductState>
    | Iterator<ProductState>;
  const tIt = (Symbol.asyncIterator in stageRows ? stageRows[Symbol.asyncIterator]() : stageRows[Symbol.iterator]()) as
    | AsyncIterator<ProductState>
    | Iterator<ProductState>;
  const nextOf = async (it: AsyncIterator<ProductState> | Iterator<ProductState>, check: (id: string) => void, side: Side) => {
    const n = await it.next();
    if (n.done) return undefined;
    check(n.value.id);
    side.add(n.value);
    return n.value;
  };
  let s = await nextOf(sIt, checkSource, source);
  let t = await nextOf(tIt, checkStage, stage);
  while (s || t) {
    const order = !s ? 1 : !t ? -1 : compareIds(s.id, t.id);
    if (order < 0 && s) {
      if (counts.missing++ < limit) missing.push(s.id);
      s = await nextOf(sIt, checkSource, source);
    } else if (order > 0 && t) {
      if (counts.extra++ < limit) extra.push(t.id);
      t = await nextOf(tIt, checkStage, stage);
    } else if (s && t) {
      const want = s;
      const got = t;
      const fields = COMPARED_FIELDS.filter((f) => want[f] !== got[f]);
      if (fields.length > 0 && counts.differing++ < limit) differing.push({ id: want.id, source: want, stage: got, fields });
      s = await nextOf(sIt, checkSource, source);
      t = await nextOf(tIt, checkStage, stage);
    }
  }
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
}

/**
 * PostgreSQL's rows (in id order) against the stage's lines (any order): the lines are
 * reduced to the latest version per key with an external sort (bounded memory, runs on
 * disk), TRUNCATEs applied, then merge-joined with the source rows.
 */
export async function reconcileStage(
  sourceRows: Iterable<ProductState> | AsyncIterable<ProductState>,
  stageLines: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>,
  options: ReconcileStageOptions = {},
): Promise<{ report: ReconcileReport; stats: StageReadStats }> {
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'buyonline-reconcile-'));
  try {
    const latest = new LatestPerKey({ dir, runKeys: options.runKeys ?? 100_000, fanIn: options.fanIn ?? 64 });
    const truncates = new Truncates();
    let lines = 0;
    let truncated = 0;
    for await (const line of stageLines) {
      lines++;
      const entry = stageEntry(line);
      if (entry.kind === 'row') await latest.add(entry.id, entry.version);
      else if (entry.kind === 'truncate') {
        truncated++;
        truncates.add(entry.table, entry.position);
      }
    }
    const report = await reconcile(sourceRows, alive(latest.sorted(), truncates), options.limit);
    return { report, stats: { lines, truncates: truncated, ...latest.stats } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A report for people: counts and checksums, then up to `limit` keys of each kind. */
export function renderReport(report: ReconcileReport, labels: { source: string; stage: string }, limit = 20): string {
  const { counts } = report;
  const out = [
    `reconcile: ${report.equal ? 'EQUAL' : 'MISMATCH'}`,
    `  source ${labels.source}: ${report.source.rows} rows, sha256 ${report.source.checksum}`,
    `  stage  ${labels.stage}: ${report.stage.rows} keys, sha256 ${report.stage.checksum}`,
    `  missing from the stage: ${counts.missing}, extra in the stage: ${counts.extra}, differing: ${counts.differing}`,
  ];
  const more = (n: number) => (n > limit ? ` … and ${n - limit} more` : '');
  if (counts.missing) out.push(`  missing ids: ${report.missing.slice(0, limit).join(', ')}${more(counts.missing)}`);
  if (counts.extra) out.push(`  extra ids: ${report.extra.slice(0, limit).join(', ')}${more(counts.extra)}`);
  for (const d of report.differing.slice(0, limit)) {
    const detail = d.fields.map((f) => `${f}: source ${JSON.stringify(d.source[f])} stage ${JSON.stringify(d.stage[f])}`).join('; ');
    out.push(`  id ${d.id} differs — ${detail}`);
  }
  if (counts.differing > limit) out.push(`  … and ${counts.differing - limit} more differing`);
  return `${out.join('\n')}\n`;
}

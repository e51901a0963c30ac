import { createHash } from 'node:crypto';

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

const FIELDS = ['name', 'category', 'price', 'updated_timestamp'] as const;
type Field = (typeof FIELDS)[number];

export interface Difference {
  id: string;
  source: ProductState;
  stage: ProductState;
  fields: Field[];
}

export interface ReconcileReport {
  equal: boolean;
  source: SideSummary;
  stage: SideSummary;
  /** In the source, not in the stage. */
  missing: string[];
  /** In the stage, not (any more) in the source. */
  extra: string[];
  differing: Difference[];
}


interface Version {
  partition: bigint;
  offset: bigint;
  deleted: boolean;
  state: ProductState;
}

const toBig = (v: unknown): bigint => {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return -1n;
};
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * The latest state per key from stage lines (parsed JSON objects): Kafka order decides — a key
 * always lands in one partition, where the offset follows the source's commit order (a
 * transaction id does not: a later commit may have an older xid). The line with the highest
 * `__kafka.offset` wins; a winning line with `__deleted: true` removes the key. Lines without
 * an id are ignored.
 */
export function latestState(lines: Iterable<Record<string, unknown>>): Map<string, ProductState> {
  const best = new Map<string, Version>();
  for (const line of lines) {
    const keyId = (line.__kafka as { key?: { id?: unknown } } | undefined)?.key?.id;
    const id = str(line.id ?? keyId);
    if (id === null) continue;
    const kafka = line.__kafka as { partition?: unknown; offset?: unknown } | undefined;
    const version: Version = {
      partition: toBig(kafka?.partition),
      offset: toBig(kafka?.offset),
      deleted: line.__deleted === true,
      state: {
        id,
        name: String(line.name ?? ''),
        category: str(line.category),
        price: String(line.price ?? ''),
        updated_timestamp: String(line.updated_timestamp ?? ''),
      },
    };
    const prev = best.get(id);
    const later = !prev || version.partition > prev.partition || (version.partition === prev.partition && version.offset > prev.offset);
    if (later) best.set(id, version);
  }
  const out = new Map<string, ProductState>();
  for (const [id, v] of best) if (!v.deleted) out.set(id, v.state);
  return out;
}

const byId = (a: string, b: string) => {
  const x = toBig(a);
  const y = toBig(b);
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
};

export function summarize(rows: Iterable<ProductState>): SideSummary {
  const sorted = [...rows].sort((a, b) => byId(a.id, b.id));
  const hash = createHash('sha256');
  for (const r of sorted) hash.update(`${JSON.stringify([r.id, r.name, r.category, r.price, r.updated_timestamp])}\n`);
  return { rows: sorted.length, checksum: hash.digest('hex') };
}

/** Compares the source's current rows with the state rebuilt from the stage. */
export function reconcile(sourceRows: readonly ProductState[], stage: ReadonlyMap<string, ProductState>): ReconcileReport {
  const source = new Map(sourceRows.map((r) => [r.id, r]));
  const missing: string[] = [];
  const differing: Difference[] = [];
  for (const [id, want] of source) {
    const got = stage.get(id);
    if (!got) {
      missing.push(id);
      continue;
    }
    const fields = FIELDS.filter((f) => want[f] !== got[f]);
    if (fields.length > 0) differing.push({ id, source: want, stage: got, fields });
  }
  const extra = [...stage.keys()].filter((id) => !source.has(id));
  missing.sort(byId);
  extra.sort(byId);
  differing.sort((a, b) => byId(a.id, b.id));
  const s = summarize(source.values());
  const t = summarize(stage.values());
  return {
    equal: missing.length === 0 && extra.length === 0 && differing.length === 0 && s.checksum === t.checksum,
    source: s,
    stage: t,
    missing,
    extra,
    differing,
  };
}

/** A report for people: counts and checksums, then up to `limit` keys of each kind. */
export function renderReport(report: ReconcileReport, labels: { source: string; stage: string }, limit = 20): string {
  const out = [
    `reconcile: ${report.equal ? 'EQUAL' : 'MISMATCH'}`,
    `  source ${labels.source}: ${report.source.rows} rows, sha256 ${report.source.checksum}`,
    `  stage  ${labels.stage}: ${report.stage.rows} keys, sha256 ${report.stage.checksum}`,
    `  missing from the stage: ${report.missing.length}, extra in the stage: ${report.extra.length}, differing: ${report.differing.length}`,
  ];
  const more = (n: number) => (n > limit ? ` … and ${n - limit} more` : '');
  if (report.missing.length) out.push(`  missing ids: ${report.missing.slice(0, limit).join(', ')}${more(report.missing.length)}`);
  if (report.extra.length) out.push(`  extra ids: ${report.extra.slice(0, limit).join(', ')}${more(report.extra.length)}`);
  for (const d of report.differing.slice(0, limit)) {
    const detail = d.fields.map((f) => `${f}: source ${JSON.stringify(d.source[f])} stage ${JSON.stringify(d.stage[f])}`).join('; ');
    out.push(`  id ${d.id} differs — ${detail}`);
  }
  if (report.differing.length > limit) out.push(`  … and ${report.differing.length - limit} more differing`);
  return `${out.join('\n')}\n`;
}

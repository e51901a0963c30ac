import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noopContext } from '@buyonline/connect-api/testing';
import { readStageLines } from '@buyonline/sink-stage';
import { partitionPath, stageFileName } from '@buyonline/sink-stage/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { latestState, reconcileStage, summarize, type TableRow } from './compare.ts';
import { type CatalogColumn, keyComparator, type TableShape, tableShape } from './shape.ts';
import { fromPgText } from './values.ts';

const TOPIC = 'buyonline.public.products';

function shapeOf(table: string, columns: [name: string, typeName: string, keyPosition?: number][]): TableShape {
  const catalog: CatalogColumn[] = columns.map(([name, typeName, keyPosition = 0]) => ({ name, typeName, typeType: 'b', keyPosition }));
  const result = tableShape({ schema: 'public', table, topic: TOPIC }, catalog, []);
  if (!result.ok) throw new Error(result.reason);
  return result.shape;
}

const products = shapeOf('products', [
  ['id', 'int8', 1],
  ['name', 'text'],
  ['category', 'text'],
  ['price', 'numeric'],
  ['updated_timestamp', 'timestamptz'],
]);

/** A composite key (tenant text, id int8): text first, so the order is the C collation's, then numeric. */
const accounts = shapeOf('accounts', [
  ['tenant', 'text', 1],
  ['id', 'int8', 2],
  ['name', 'text'],
  ['category', 'text'],
  ['price', 'numeric'],
  ['updated_timestamp', 'timestamptz'],
]);

/** How a history's key number n becomes the table's key columns (as stage JSON). */
type KeyMaker = (n: number) => Record<string, string | number>;
const productKey: KeyMaker = (n) => ({ id: n });
const accountKey: KeyMaker = (n) => ({ tenant: ['b', 'B', 'a', 'ä'][n % 4] as string, id: Math.floor(n / 4) });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'reconcile-test-'));
  dirs.push(d);
  return d;
};

type Line = Record<string, unknown> & { __kafka: { partition: number; offset: number; [k: string]: unknown } };

/** Writes lines into a stage folder as the sink does: per partition, files of `perFile` lines in offset order. */
function writeStage(root: string, lines: readonly Line[], perFile = 3): void {
  const byPartition = new Map<number, Line[]>();
  for (const l of lines) byPartition.set(l.__kafka.partition, [...(byPartition.get(l.__kafka.partition) ?? []), l]);
  for (const [partition, ls] of byPartition) {
    ls.sort((a, b) => a.__kafka.offset - b.__kafka.offset);
    const dir = join(root, partitionPath(TOPIC, partition));
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < ls.length; i += perFile) {
      const chunk = ls.slice(i, i + perFile);
      const name = stageFileName({ topic: TOPIC, partition, startOffset: chunk[0]?.__kafka.offset ?? 0, endOffset: chunk.at(-1)?.__kafka.offset ?? 0 });
      writeFileSync(join(dir, name), chunk.map((l) => `${JSON.stringify(l)}\n`).join(''));
    }
  }
  writeFileSync(join(root, partitionPath(TOPIC, 0), 'ignored.tmp'), 'not a finished file');
}

const lsn = (n: number) => `${(n >>> 20).toString(16).toUpperCase()}/${((n & 0xfffff) << 8).toString(16).toUpperCase()}`;

/**
 * A random history: transactions (increasing LSNs) of inserts, updates, deletes, key changes
 * and TRUNCATEs over keys 1..keys, each change in its key's partition (which moves once,
 * when the topic "grows" partitions half way), offsets increasing per partition. Returns the
 * lines and PostgreSQL's final rows.
 */
function history(seed: number, keys: number, transactions: number, shape: TableShape = products, keyOf: KeyMaker = productKey): { lines: Line[]; rows: TableRow[] } {
  let s = seed;
  const rand = (n: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
  const offsets = new Map<number, number>();
  interface Fields {
    name: string;
    category: string | null;
    price: string;
    updated_timestamp: string;
  }
  const live = new Map<number, Fields>();
  const lines: Line[] = [];
  let partitions = 2;
  const emit = (id: number | null, op: string, txLsn: number, r: Fields | null) => {
    const partition = id === null ? rand(partitions) : id % partitions;
    const offset = offsets.get(partition) ?? 0;
    offsets.set(partition, offset + 1);
    const key = id === null ? null : keyOf(id);
    lines.push({
      ...(key && r ? { ...key, ...r } : {}),
      __op: op,
      __deleted: op === 'd' || op === 't',
      __source: { connector: 'postgres-logical', db: 'db', schema: 'public', table: shape.table, position: '{}', txid: 1000 - txLsn, lsn: lsn(txLsn), snapshot: false },
      __kafka: { topic: TOPIC, partition, offset, key },
    });
  };
  for (let tx = 1; tx <= transactions; tx++) {
    if (tx === Math.floor(transactions / 2)) partitions = 5;
    const changes = 1 + rand(3);
    for (let c = 0; c < changes; c++) {
      const id = 1 + rand(keys);
      const roll = rand(100);
      // A TRUNCATE opens its transaction: of the changes before it in the same transaction,
      // only those in its own partition could be told apart (see Truncates).
      if (roll < 6 && c === 0) {
        for (const k of live.keys()) live.delete(k);
        emit(null, 't', tx, null);
      } else if (live.has(id) && roll < 20) {
        const old = live.get(id) as Fields;
        live.delete(id);
        emit(id, 'd', tx, old);
      } else if (live.has(id) && roll < 25) {
        const to = keys + 1 + rand(keys);
        if (live.has(to)) continue;
        const old = live.get(id) as Fields;
        live.delete(id);
        emit(id, 'd', tx, old);
        live.set(to, old);
        emit(to, 'c', tx, old);
      } else {
        const r: Fields = {
          name: `p${id} v${tx}`,
          category: rand(4) === 0 ? null : `c${rand(3)}`,
          price: `${rand(100)}.${String(rand(100)).padStart(2, '0')}`,
          updated_timestamp: `2026-11-25T13:12:${String(tx % 60).padStart(2, '0')}.000001Z`,
        };
        const op = live.has(id) ? 'u' : 'c';
        live.set(id, r);
        emit(id, op, tx, r);
      }
    }
  }
  // PostgreSQL's rows: canonical values in column order, in key order
  const rows = [...live].map(([n, r]): TableRow => {
    const all: Record<string, unknown> = { ...keyOf(n), ...r };
    const values = shape.columns.map((c) => fromPgText(c, all[c.name] === null ? null : String(all[c.name])));
    return { key: shape.key.map((i) => values[i] as string), values };
  });
  const compare = keyComparator(shape);
  return { lines, rows: rows.sort((a, b) => compare(a.key, b.key)) };
}

describe('reconcileStage: a stage folder against PostgreSQL, in bounded memory', () => {
  it.each([1, 2, 3, 4, 5])('random history %i: equal to PostgreSQL, spilling sort runs and merging them in passes', async (seed) => {
    const root = tempDir();
    const { lines, rows } = history(seed, 40, 400);
    writeStage(root, lines);
    const { report, stats } = await reconcileStage(products, rows, readStageLines({ stage: 'local', dir: root }, [TOPIC], noopContext()), { tmpDir: tempDir(), runKeys: 7, fanIn: 3 });
    expect(stats.lines).toBe(lines.length);
    expect(stats.truncates).toBeGreaterThan(0);
    expect(stats.runs).toBeGreaterThan(3);
    expect(stats.mergePasses).toBeGreaterThan(0);
    expect(report.counts).toEqual({ missing: 0, extra: 0, differing: 0 });
    expect(report.equal).toBe(true);
    expect(report.stage).toEqual(summarize(products, rows));
    // the same answer as the in-memory reduction of the same lines
    expect([...latestState(products, lines).values()]).toEqual(rows);
  }, 60_000);

  it.each([1, 2, 3])('composite key (tenant text, id), random history %i: equal, in the C-collation-then-numeric key order', async (seed) => {
    const root = tempDir();
    const { lines, rows } = history(seed, 40, 400, accounts, accountKey);
    writeStage(root, lines);
    const { report, stats } = await reconcileStage(accounts, rows, readStageLines({ stage: 'local', dir: root }, [TOPIC], noopContext()), { tmpDir: tempDir(), runKeys: 5, fanIn: 2 });
    expect(stats.truncates).toBeGreaterThan(0);
    expect(stats.runs).toBeGreaterThan(3);
    expect(report.counts).toEqual({ missing: 0, extra: 0, differing: 0 });
    expect(report.equal).toBe(true);
    expect([...latestState(accounts, lines).values()]).toEqual(rows);
    expect(rows.length).toBeGreaterThan(0);
    const tenants = rows.map((r) => r.key[0]);
    expect(tenants).toEqual([...tenants].sort((a, b) => (a === b ? 0 : (a as string) < (b as string) ? -1 : 1)));
  }, 60_000);

  it('finds what differs after the stage was written, however the lines are spread over runs', async () => {
    const root = tempDir();
    const { lines, rows } = history(9, 30, 300);
    writeStage(root, lines);
    const [first, second, ...rest] = rows;
    if (!first || !second) throw new Error('empty history');
    const price = products.columns.findIndex((c) => c.name === 'price');
    const changed = { ...second, values: second.values.map((v, i) => (i === price ? '999.99' : v)) };
    const added: TableRow = { key: ['100000'], values: ['100000', ...first.values.slice(1)] };
    const source = [changed, ...rest, added];
    const { report } = await reconcileStage(products, source, readStageLines({ stage: 'local', dir: root }, [TOPIC], noopContext()), { tmpDir: tempDir(), runKeys: 5, fanIn: 2 });
    expect(report.equal).toBe(false);
    expect(report.extra).toEqual([first.key[0]]);
    expect(report.missing).toEqual(['100000']);
    expect(report.differing.map((d) => [d.id, d.fields])).toEqual([[second.key[0], ['price']]]);
  });

  it('removes its sort runs when done', async () => {
    const root = tempDir();
    const work = tempDir();
    const { lines, rows } = history(3, 20, 100);
    writeStage(root, lines);
    await reconcileStage(products, rows, readStageLines({ stage: 'local', dir: root }, [TOPIC], noopContext()), { tmpDir: work, runKeys: 4, fanIn: 2 });
    expect(readdirSync(work)).toEqual([]);
  });
});

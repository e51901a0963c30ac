import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TableRow } from './compare.ts';
import { compareRanges, type RangeResult, type StageRow } from './range-compare.ts';
import { type CatalogColumn, type TableShape, tableShape } from './shape.ts';
import { type StageAtPointStats, stageRowsAtPoint } from './stage-at-point.ts';

function shapeOf(columns: [name: string, typeName: string, keyPosition?: number][]): TableShape {
  const catalog: CatalogColumn[] = columns.map(([name, typeName, keyPosition = 0]) => ({ name, typeName, typeType: 'b', keyPosition }));
  const result = tableShape({ schema: 'public', table: 'items', topic: 't' }, catalog, []);
  if (!result.ok) throw new Error(result.reason);
  return result.shape;
}

const items = shapeOf([
  ['id', 'int8', 1],
  ['name', 'text'],
]);

const row = (id: number, name = `n${id}`): TableRow => ({ key: [String(id)], values: [String(id), name] });
const staged = (id: number, name = `n${id}`, duplicates = 0): StageRow => ({ ...row(id, name), duplicates });
const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function all(source: TableRow[], stage: StageRow[], rangeKeys: number): Promise<RangeResult[]> {
  const out: RangeResult[] = [];
  for await (const r of compareRanges(items, source, stage, rangeKeys)) out.push(r);
  return out;
}

describe('range by range: sha256 per range, rows only where a range differs', () => {
  it('cuts the keys into ranges of N keys in key order, (after, upTo], the last one open above; equal sides hash equal', async () => {
    const ranges = await all(ids(25).map((i) => row(i)), ids(25).map((i) => staged(i)), 10);
    expect(ranges.map((r) => [r.after?.[0] ?? null, r.upTo?.[0] ?? null, r.sourceRows])).toEqual([
      [null, '10', 10],
      ['10', '20', 10],
      ['20', null, 5],
    ]);
    expect(ranges.every((r) => r.equal && r.sourceHash === r.stageHash)).toBe(true);
    expect(ranges.flatMap((r) => [...r.lost, ...r.extra, ...r.changed.map((c) => c.id), ...r.duplicated])).toEqual([]);
  });

  it('names lost, extra, changed and duplicated keys, in the one range each falls in', async () => {
    const source = ids(30).map((i) => row(i));
    const stage = ids(31)
      .filter((i) => i !== 4)
      .map((i) => (i === 15 ? staged(i, 'altered') : i === 27 ? staged(i, `n${i}`, 1) : staged(i)));
    const ranges = await all(source, stage, 10);
    const differing = ranges.filter((r) => !r.equal);
    expect(differing.map((r) => ({ after: r.after, lost: r.lost, extra: r.extra, changed: r.changed, duplicated: r.duplicated }))).toEqual([
      { after: null, lost: ['4'], extra: [], changed: [], duplicated: [] },
      { after: ['10'], lost: [], extra: [], changed: [{ id: '15', fields: ['name'] }], duplicated: [] },
      { after: ['20'], lost: [], extra: [], changed: [], duplicated: ['27'] },
      { after: ['30'], lost: [], extra: ['31'], changed: [], duplicated: [] },
    ]);
    // a range closes at the 10th key of either side: PostgreSQL's 10 (the stage had 9 by then)
    expect(differing.map((r) => r.upTo)).toEqual([['10'], ['20'], ['30'], null]);
  });

  it('does not compare a column no stage line carried (it takes the source value)', async () => {
    const [range] = await all([row(1)], [{ key: ['1'], values: ['1', undefined], duplicates: 0 }], 10);
    expect(range?.equal).toBe(true);
  });

  it('refuses a side out of key order', async () => {
    await expect(all([row(2), row(1)], [], 10)).rejects.toThrow(/not in key order/);
  });
});

describe("the stage's latest version per key at the point, through sorted runs on disk", () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const line = (id: number, name: string | null, lsn: string, offset: number, extra: Record<string, unknown> = {}) => ({
    id,
    name,
    __op: name === null ? 'd' : 'u',
    __deleted: name === null,
    __source: { schema: 'public', table: 'items', lsn, txid: 10 },
    __kafka: { partition: 0, offset },
    ...extra,
  });

  async function rowsOf(lines: Record<string, unknown>[], atPoint: (s: unknown) => boolean, runKeys: number) {
    dir = mkdtempSync(join(tmpdir(), 'verify-test-'));
    const stats: StageAtPointStats = { lines: 0, afterPoint: 0, runs: 0 };
    async function* source() {
      yield* lines;
    }
    const out: StageRow[] = [];
    for await (const r of stageRowsAtPoint(items, source(), atPoint as never, { dir, runKeys }, stats)) out.push(r);
    return { out, stats };
  }

  it('keeps each key once, in key order, its latest version at or before the point; spills runs of N keys', async () => {
    const lines = [
      ...ids(50).map((i) => line(51 - i, `v1-${51 - i}`, '0/100', i)),
      line(7, 'v2', '0/200', 60),
      line(8, null, '0/200', 61),
      line(9, 'after', '0/900', 62),
    ];
    const { out, stats } = await rowsOf(lines, (s) => (s as { lsn: string }).lsn !== '0/900', 20);
    expect(out.map((r) => r.key[0])).toEqual(ids(50).filter((i) => i !== 8).map(String));
    expect(out.find((r) => r.key[0] === '7')?.values).toEqual(['7', 'v2']);
    expect(out.find((r) => r.key[0] === '9')?.values).toEqual(['9', 'v1-9']);
    expect(stats).toMatchObject({ lines: 53, afterPoint: 1 });
    expect(stats.runs).toBeGreaterThan(1);
  });

  it('counts a line met twice (the same Kafka record) as a duplicate of its key, across sorted runs too', async () => {
    const first = ids(30).map((i) => line(i, `v-${i}`, '0/100', i));
    const lines = [...first, line(5, 'v-5', '0/100', 5), line(25, 'v-25', '0/100', 25)];
    const { out } = await rowsOf(lines, () => true, 10);
    expect(out.filter((r) => r.duplicates > 0).map((r) => r.key[0])).toEqual(['5', '25']);
  });
});

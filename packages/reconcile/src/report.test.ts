import { describe, expect, it } from 'vitest';
import type { ReconcileReport, StageReadStats } from './compare.ts';
import { allEqual, jsonReport, renderReport, type TableResult } from './report.ts';

const stats = (lines: number): StageReadStats => ({ lines, truncates: 0, skipped: 0, runs: 0, mergePasses: 0 });
const side = (rows: number, checksum: string) => ({ rows, checksum });

const equalReport = (rows: number, checksum: string): ReconcileReport => ({
  equal: true,
  source: side(rows, checksum),
  stage: side(rows, checksum),
  counts: { missing: 0, extra: 0, differing: 0 },
  missing: [],
  extra: [],
  differing: [],
  notCarried: {},
});

const products: TableResult = {
  status: 'equal',
  schema: 'public',
  table: 'products',
  topics: ['buyonline.public.products'],
  keyColumns: ['id'],
  report: equalReport(3, 'aa'),
  stats: stats(7),
};

const orderLines: TableResult = {
  status: 'mismatch',
  schema: 'shop',
  table: 'order_lines',
  topics: ['buyonline.shop.order_lines'],
  keyColumns: ['order_id', 'line_no'],
  report: {
    equal: false,
    source: side(2, 'bb'),
    stage: side(2, 'cc'),
    counts: { missing: 1, extra: 1, differing: 1 },
    missing: ['["1","3"]'],
    extra: ['["2","1"]'],
    differing: [{ id: '["1","2"]', key: ['1', '2'], source: { qty: '1.000' }, stage: { qty: '2.000' }, fields: ['qty'] }],
    notCarried: {},
  },
  stats: stats(5),
};

const keyless: TableResult = { status: 'skipped', schema: 'public', table: 'audit_log', topics: ['buyonline.public.audit_log'], reason: 'public.audit_log has no primary key: …' };

describe('the run report', () => {
  it('one table: the same top-level fields as before (counts, lists, lines, stage label), plus the table', () => {
    const json = jsonReport([products], 'directory ./.stage');
    expect(json).toMatchObject({
      equal: true,
      source: { rows: 3, checksum: 'aa' },
      stage: { rows: 3, checksum: 'aa' },
      counts: { missing: 0, extra: 0, differing: 0 },
      missing: [],
      extra: [],
      differing: [],
      lines: 7,
      skipped: 0,
      stageLabel: 'directory ./.stage',
    });
    expect(json.tables).toEqual([expect.objectContaining({ table: 'public.products', status: 'equal', keyColumns: ['id'], lines: 7 })]);
  });

  it('several tables: totals over the compared ones, per table details, skipped tables named with their reason', () => {
    const json = jsonReport([products, orderLines, keyless], 'directory d');
    expect(json.equal).toBe(false);
    expect(json.counts).toEqual({ missing: 1, extra: 1, differing: 1 });
    expect(json.source).toEqual({ rows: 5, checksum: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((json.source as { checksum: string }).checksum).not.toBe((json.stage as { checksum: string }).checksum);
    expect(json.lines).toBe(12);
    expect(json.skipped).toBe(1);
    expect(json).not.toHaveProperty('missing');
    const tables = json.tables as Record<string, unknown>[];
    expect(tables.map((t) => [t.table, t.status])).toEqual([
      ['public.products', 'equal'],
      ['shop.order_lines', 'mismatch'],
      ['public.audit_log', 'skipped'],
    ]);
    expect(tables[1]).toMatchObject({ missing: ['["1","3"]'], extra: ['["2","1"]'], differing: [{ id: '["1","2"]', fields: ['qty'] }] });
    expect(tables[2]?.reason).toMatch(/no primary key/);
  });

  it('equal totals when every compared table is equal; a skipped table does not make the run unequal', () => {
    expect(allEqual([products, keyless])).toBe(true);
    expect(allEqual([products, orderLines])).toBe(false);
    const a = jsonReport([products, { ...products, table: 'other' }], 'd');
    expect(a.source).toEqual(a.stage);
  });

  it('the text report: a verdict line, then per table its verdict, counts and keys', () => {
    const text = renderReport([products, orderLines, keyless], 'directory d');
    expect(text.split('\n')[0]).toBe('reconcile: MISMATCH (3 tables: 1 equal, 1 mismatched, 1 skipped; stage directory d)');
    expect(text).toContain('table public.products (key id; topic buyonline.public.products): EQUAL');
    expect(text).toContain('table shop.order_lines (key order_id, line_no; topic buyonline.shop.order_lines): MISMATCH');
    expect(text).toContain('missing keys: ["1","3"]');
    expect(text).toContain('extra keys: ["2","1"]');
    expect(text).toContain('key ["1","2"] differs — qty: source "1.000" stage "2.000"');
    expect(text).toContain('table public.audit_log: SKIPPED — public.audit_log has no primary key');
  });
});

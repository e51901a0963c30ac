import { type StatusFields } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { describe, expect, it } from 'vitest';
import { SnapshotProgress } from './snapshot-progress.ts';

describe('SnapshotProgress', () => {
  it('reports rows read per chunk, and the rows read as the total once the table is done', () => {
    const reports: [string, string, StatusFields][] = [];
    const gauges: [string, number, Record<string, string> | undefined][] = [];
    const base = noopContext();
    const ctx = {
      ...base,
      metrics: { ...base.metrics, gauge: (name: string, value: number, labels?: Record<string, string>) => gauges.push([name, value, labels]) },
      status: { report: (kind: string, name: string, fields: StatusFields) => reports.push([kind, name, { ...fields }]) },
    };
    const progress = new SnapshotProgress(ctx as never);
    progress.chunk('public.products', 500, 'snapshot');
    progress.chunk('public.products', 200, 'snapshot');
    progress.finished('public.products');
    expect(reports).toEqual([
      ['table', 'public.products', { phase: 'snapshot', done: 500, total: null }],
      ['table', 'public.products', { phase: 'snapshot', done: 700, total: null }],
      ['table', 'public.products', { phase: 'stream', done: 700, total: 700 }],
    ]);
    expect(gauges.at(-1)).toEqual(['source_snapshot_estimated_rows', 700, { table: 'public.products' }]);
  });
});

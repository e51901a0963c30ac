import { noopContext } from '@buyonline/connect-api/testing';
import { describe, expect, it } from 'vitest';
import { reportCommit, type SourceWorkerStats } from './commit-report.ts';

const tx = (sent: number, topics: [string, number][]) => ({
  sent,
  deadLettered: 1,
  filtered: 0,
  topics: new Map(topics.map(([topic, records]) => [topic, { records, bytes: records * 10 }])),
  deadLetterReasons: new Map([['DATA_INVALID', 1]]),
  started: 1_000,
});

function recorder(now: number) {
  const counted: [string, number | undefined, unknown][] = [];
  const reported: unknown[] = [];
  const base = noopContext(() => now);
  const ctx = {
    now: base.now,
    metrics: { ...base.metrics, count: (name: string, value?: number, labels?: unknown) => void counted.push([name, value, labels]) },
    status: { report: (_kind: string, _name: string, fields: unknown) => void reported.push(fields) },
  };
  return { ctx, counted, reported };
}

describe('reportCommit', () => {
  it('adds each commit to the stats and reports where its records went, per partition when offsets came back', () => {
    const stats: SourceWorkerStats = { records: 0, transactions: 0, deadLettered: 0, lastCommitAt: null };
    const { ctx, counted, reported } = recorder(5_000);
    reportCommit(stats, ctx, tx(3, [['a', 3]]), [{ topic: 'a', partition: 0, offset: '40' }], 4_000);
    reportCommit(stats, ctx, tx(2, [['a', 1], ['b', 1]]), [], undefined);
    expect(stats).toEqual({ records: 5, transactions: 2, deadLettered: 2, lastCommitAt: 5_000 });
    expect(counted.filter(([name]) => name === 'source_records_total')).toEqual([
      ['source_records_total', 3, { topic: 'a' }],
      ['source_records_total', 1, { topic: 'a' }],
      ['source_records_total', 1, { topic: 'b' }],
    ]);
    expect(reported).toEqual([
      { records: 3, deadLettered: 1, lastCommitAt: 5_000, lastCommit: 'a[0]@40' },
      { records: 5, deadLettered: 2, lastCommitAt: 5_000, lastCommit: 'a (1 records), b (1 records)' },
    ]);
  });
});

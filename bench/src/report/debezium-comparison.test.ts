import { describe, expect, it } from 'vitest';
import { debeziumBars } from './chart.ts';
import { compareWithDebezium } from './debezium-comparison.ts';
import type { DebeziumFigures } from './debezium-figures.ts';
import { formatTimes } from './format.ts';
import { type BenchResult, buildMeasures, type LimitFigures, type PipelineFigures } from './result.ts';
import { debeziumTable } from './table.ts';

const rss = (peakMb: number) => ({ sampledMb: peakMb, hwmMb: peakMb, peakMb, samples: 1 });
const load = { rows: 0, transactions: 0, startedAt: 0, seconds: 1, rowsPerSec: 5000 };
const percentiles = (p50: number, p99: number) => ({ p50, p95: p99, p99, max: p99 });
const pipeline: PipelineFigures = {
  snapshot: { rows: 1, seconds: 1, rowsPerSec: 20_000, steadyRowsPerSec: 40_000 },
  flatLoad: load,
  streaming: { rows: 1, seconds: 1, rowsPerSec: 30_000, steadyRowsPerSec: 0 },
  pacedLoad: { ...load, lateMs: 0 },
  latency: { rows: 1, append: percentiles(5, 20), readable: percentiles(8, 30) },
  stage: { records: 1, seconds: 1, rowsPerSec: 60_000, wallSeconds: 1, rss: rss(150) },
  rss: { producer: rss(160), consumer: rss(150) },
};
const limits: LimitFigures = {
  copy: { rows: 1, bytes: 1, seconds: 1, rowsPerSec: 1_000_000, attempts: [1_000_000] },
  pgRecvlogical: { rows: 1, seconds: 1, rowsPerSec: 100_000, endLsn: '0/1', attempts: [100_000] },
  bareConsume: null,
  bareProduce: null,
};
const debezium: DebeziumFigures = {
  version: '3.7.1.Final',
  converter: 'Avro',
  config: {},
  snapshot: { rows: 1, seconds: 1, rowsPerSec: 40_000, steadyRowsPerSec: 80_000 },
  streaming: { rows: 1, seconds: 1, rowsPerSec: 10_000, steadyRowsPerSec: 0 },
  latency: { rows: 1, append: percentiles(500, 20), readable: null },
  rss: rss(640),
  heap: '-Xmx2g',
  ops: { snapshot: {}, flat: {}, paced: {} },
};
const measures = buildMeasures(pipeline, limits);
const byKey = Object.fromEntries(compareWithDebezium(pipeline, debezium, measures).map((c) => [c.key, c]));

describe('compareWithDebezium', () => {
  it('puts each rate of the pipeline over Debezium’s: ahead when higher', () => {
    expect(byKey.snapshot).toMatchObject({ pipeline: 40_000, debezium: 80_000, ratio: 0.5, better: 'higher', ahead: false });
    expect(byKey['snapshot-from-start']).toMatchObject({ ratio: 0.5, ahead: false });
    expect(byKey.streaming).toMatchObject({ pipeline: 30_000, debezium: 10_000, ratio: 3, ahead: true });
  });

  it('puts latency and memory of the pipeline over Debezium’s: ahead when lower, not ahead when equal', () => {
    expect(byKey['latency-p50']).toMatchObject({ ratio: 0.01, better: 'lower', ahead: true });
    expect(byKey['latency-p99']).toMatchObject({ ratio: 1, ahead: null });
    expect(byKey.rss).toMatchObject({ pipeline: 160, debezium: 640, ratio: 0.25, ahead: true });
  });

  it('gives Debezium’s rates as shares of the same run’s limits, and leaves out what only one side measured', () => {
    expect(byKey.snapshot?.debeziumToLimit).toBe(0.08);
    expect(byKey.streaming?.debeziumToLimit).toBe(0.1);
    expect(byKey['latency-p50']?.debeziumToLimit).toBeNull();
    expect(byKey['readable-p50']).toBeUndefined();
  });
});

describe('the comparison in print and in the chart', () => {
  const result = { measures, debezium, comparison: Object.values(byKey) } as unknown as BenchResult;

  it('formats ratios to two or three significant digits', () => {
    expect([0.0123, 0.5, 1, 3, 38.84, Number.NaN].map(formatTimes)).toEqual(['0.012×', '0.5×', '1×', '3×', '38.8×', '—']);
  });

  it('prints one row per figure, with the side ahead', () => {
    const table = debeziumTable(result);
    expect(table).toContain('| streaming flat out, rows/s | 30,000 | 10,000 | 3× | 10 % | pipeline |');
    expect(table).toContain('| commit → Kafka, p99 | 20.0 ms | 20.0 ms | 1× |  | — |');
    expect(debeziumTable({ ...result, comparison: undefined } as unknown as BenchResult)).toBe('');
  });

  it('draws each ratio against 1, green where the pipeline is ahead', () => {
    const bars = debeziumBars(result.comparison ?? []);
    expect(bars.find((b) => b.label.startsWith('streaming'))).toMatchObject({ value: 3, target: 1, pass: true, text: '3×' });
    expect(bars.find((b) => b.label.startsWith('initial snapshot (steady)'))).toMatchObject({ value: 0.5, pass: false });
  });
});

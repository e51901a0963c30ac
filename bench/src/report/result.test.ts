import { describe, expect, it } from 'vitest';
import { formatRatio, formatTarget } from './format.ts';
import { buildMeasures, type LimitFigures, type PipelineFigures } from './result.ts';

const rss = (peakMb: number) => ({ sampledMb: peakMb, hwmMb: peakMb, peakMb, samples: 1 });
const load = { rows: 0, transactions: 0, startedAt: 0, seconds: 1, rowsPerSec: 5000 };
const pipeline: PipelineFigures = {
  snapshot: { rows: 1, seconds: 1, rowsPerSec: 20_000, steadyRowsPerSec: 120_000 },
  flatLoad: load,
  streaming: { rows: 1, seconds: 1, rowsPerSec: 40_000, steadyRowsPerSec: 0 },
  pacedLoad: { ...load, lateMs: 0 },
  latency: { rows: 1, append: { p50: 8, p95: 12, p99: 20, max: 40 }, readable: null },
  stage: { records: 1, seconds: 1, rowsPerSec: 45_000, wallSeconds: 1, rss: rss(150) },
  rss: { producer: rss(201), consumer: rss(150) },
};
const limits: LimitFigures = {
  copy: { rows: 1, bytes: 1, seconds: 1, rowsPerSec: 1_000_000, attempts: [1_000_000] },
  pgRecvlogical: { rows: 1, seconds: 1, rowsPerSec: 100_000, endLsn: '0/1', attempts: [100_000] },
  bareConsume: { records: 1, seconds: 1, rowsPerSec: 100_000, steadyRowsPerSec: 0 },
  bareProduce: null,
};

describe('buildMeasures', () => {
  const byKey = Object.fromEntries(buildMeasures(pipeline, limits).map((m) => [m.key, m]));
  it('judges a ratio against its target', () => {
    // The snapshot figure is the steady one (first record appended → last), as COPY's is: ≥ 10 %.
    expect(byKey.snapshot).toMatchObject({ ratio: 0.12, pass: true });
    expect(byKey['snapshot-from-start']).toMatchObject({ pipeline: 20_000, ratio: 0.02, pass: null });
    // Streaming ≥ 50 % of pgoutput decoding; stage ≥ 40 % of the bare consume loop.
    expect(byKey.streaming).toMatchObject({ ratio: 0.4, pass: false });
    expect(byKey.stage).toMatchObject({ ratio: 0.45, pass: true });
  });
  it('judges latency and memory by the figure itself', () => {
    // p50 ≤ 8 ms, p99 ≤ 15 ms; RSS ≤ 150 MB per app.
    expect(byKey['latency-p50']?.pass).toBe(true);
    expect(byKey['latency-p99']?.pass).toBe(false);
    expect(byKey['rss-producer']?.pass).toBe(false);
    expect(byKey['rss-consumer']?.pass).toBe(true);
  });
  it('allows p99 ≤ 30 ms beside a CPU hog, and judges no p50 there', () => {
    const hogged = Object.fromEntries(buildMeasures(pipeline, limits, true).map((m) => [m.key, m]));
    expect(hogged['latency-p99']).toMatchObject({ pass: true, target: { value: 30 } });
    expect(hogged['latency-p50']).toMatchObject({ pass: null, target: null });
    expect(hogged['latency-p50']?.measure).toContain('beside a CPU hog');
  });
  it('has no verdict without the limit or a target', () => {
    expect(byKey['streaming-produce']).toMatchObject({ limit: null, ratio: null, pass: null });
    expect(byKey['latency-max']?.pass).toBeNull();
  });
});

describe('formatting', () => {
  it('writes ratios and targets as people read them', () => {
    expect(formatRatio(0.03)).toBe('3 %');
    expect(formatRatio(0.0067)).toBe('0.67 %');
    expect(formatRatio(0.1476)).toBe('14.8 %');
    expect(formatTarget({ of: 'value', op: '<=', value: 10 }, 'ms')).toBe('≤ 10 ms');
    expect(formatTarget({ of: 'ratio', op: '>=', value: 0.5 }, 'rows/s')).toBe('≥ 50 %');
  });
});

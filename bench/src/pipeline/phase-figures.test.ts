import { describe, expect, it } from 'vitest';
import type { TopicRecord } from '../limits/bare-consume.ts';
import { epochMs, percentiles, phaseOf, snapshotFigure, streamingFigure } from './phase-figures.ts';

const record = (partition: number, offset: number, timestamp = 0): TopicRecord => ({ partition, offset, timestamp, key: null, value: null });

describe('epochMs', () => {
  it('keeps the microseconds of an ISO-8601 timestamp', () => {
    expect(epochMs('2026-01-02T03:04:05.123456Z')).toBeCloseTo(Date.UTC(2026, 0, 2, 3, 4, 5, 123) + 0.456, 6);
  });
  it('reads a number as microseconds, and an offset zone', () => {
    expect(epochMs(1_700_000_000_123_456)).toBeCloseTo(1_700_000_000_123.456, 3);
    expect(epochMs('2026-01-02T03:04:05+01:00')).toBe(Date.UTC(2026, 0, 2, 2, 4, 5));
  });
  it('is NaN for anything else', () => {
    expect(epochMs('yesterday')).toBeNaN();
    expect(epochMs(null)).toBeNaN();
  });
});

describe('percentiles', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(values)).toEqual({ p50: 50, p95: 95, p99: 99, max: 100 });
  });
});

describe('phaseOf', () => {
  const bounds = { snapshotEnd: new Map([[0, 10], [1, 5]]), flatEnd: new Map([[0, 20], [1, 5]]) };
  it('sorts a record by where each phase ended in its partition', () => {
    expect(phaseOf(record(0, 9), bounds)).toBe('snapshot');
    expect(phaseOf(record(0, 10), bounds)).toBe('flat');
    expect(phaseOf(record(0, 20), bounds)).toBe('paced');
    expect(phaseOf(record(1, 5), bounds)).toBe('paced');
    expect(phaseOf(record(2, 0), bounds)).toBe('paced');
  });
});

describe('rates from append times', () => {
  it('counts the snapshot from the producer start, streaming from the load start', () => {
    const records = [record(0, 0, 2_000), record(1, 0, 3_000), record(0, 1, 4_000)];
    expect(snapshotFigure(records, 1_000)).toMatchObject({ rows: 3, seconds: 3, rowsPerSec: 1, steadyRowsPerSec: 1.5 });
    expect(streamingFigure(records, 2_000)).toMatchObject({ rows: 3, seconds: 2, rowsPerSec: 1.5 });
  });
});

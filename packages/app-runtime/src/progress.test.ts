import { describe, expect, it } from 'vitest';
import { describeProgress, formatBytes, formatDuration, ProgressMeter } from './progress.ts';

describe('ProgressMeter', () => {
  it('works out percent, rate and ETA from done and total over time', () => {
    let now = 1_000;
    const meter = new ProgressMeter(() => now);
    meter.update(0, 10_000);
    expect(meter.view()).toEqual({ done: 0, total: 10_000, percent: 0, rate: null, etaSeconds: null });
    now += 2_000;
    meter.update(4_000);
    const view = meter.view();
    expect(view.rate).toBe(2_000);
    expect(view.percent).toBe(40);
    expect(view.etaSeconds).toBe(3);
  });

  it('an estimated total (reltuples) that was passed is unknown, never "done", until the real total comes', () => {
    // 2,110,000 of a 5,000,000-row table read against a stale estimate of 1,839,002 is not done.
    let now = 0;
    const meter = new ProgressMeter(() => now);
    meter.update(0, 100);
    now = 1_000;
    meter.update(150);
    expect(meter.view()).toMatchObject({ done: 150, total: null, percent: null, etaSeconds: null });
    expect(describeProgress(meter.view(), 'rows')).toBe('150 rows · 150 rows/s');
    now = 2_000;
    meter.update(200, 200); // the snapshot finished: what was read is the total
    expect(meter.view()).toMatchObject({ done: 200, total: 200, percent: 100, etaSeconds: 0 });
  });

  it('the rate follows the last ten seconds, not the whole run', () => {
    let now = 0;
    const meter = new ProgressMeter(() => now);
    for (let s = 0; s <= 30; s++) {
      now = s * 1000;
      meter.update(s <= 20 ? s * 100 : 2_000 + (s - 20) * 1_000, 1_000_000);
    }
    expect(meter.view().rate).toBeGreaterThan(900);
  });

  it('without a total there is no percent and no ETA', () => {
    const meter = new ProgressMeter(() => 0);
    meter.update(5);
    expect(meter.view()).toMatchObject({ total: null, percent: null, etaSeconds: null });
  });
});

describe('progress text', () => {
  it('reads as done / total, rate and ETA', () => {
    expect(describeProgress({ done: 12_000, total: 50_000, percent: 24, rate: 5_000, etaSeconds: 7.6 }, 'rows')).toBe('12,000 / 50,000 rows (24.0%) · 5,000 rows/s · ETA 8s');
    expect(describeProgress({ done: 10, total: 10, percent: 100, rate: null, etaSeconds: 0 }, 'rows')).toBe('10 / 10 rows (100.0%) · done');
    expect(describeProgress({ done: 10, total: 10, percent: 100, rate: 0, etaSeconds: 0 }, 'rows')).toBe('10 / 10 rows (100.0%) · done');
  });

  it('formats durations and bytes', () => {
    expect(formatDuration(185)).toBe('3m 05s');
    expect(formatDuration(7_900)).toBe('2h 11m');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
  });
});

import { describe, expect, it } from 'vitest';
import { ProgressBar } from './index.ts';
import { progressOutput } from './progress-bar.ts';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 200, write: (s: string) => writes.push(s) > 0 } };
}

describe('ProgressBar', () => {
  it('draws a bar in place on a terminal, with rate and ETA, and ends the line when finished', () => {
    let now = 0;
    const { writes, stream } = sink(true);
    const bar = new ProgressBar({ label: 'snapshot', unit: 'rows', stream, env: {}, now: () => now });
    expect(bar.mode).toBe('bar');
    bar.update(0, 1_000);
    now = 1_000;
    bar.update(250, 1_000);
    bar.finish(1_000, 1_000);
    expect(writes.every((w) => w.startsWith('\r'))).toBe(true);
    expect(writes[1]).toContain('snapshot [██████░░░░░░░░░░░░░░░░░░] 250 / 1,000 rows (25.0%) · 250 rows/s · ETA 3s');
    expect(writes.at(-1)).toContain('1,000 / 1,000 rows (100.0%)');
    expect(writes.at(-1)?.endsWith('done\u001b[K\n')).toBe(true);
  });

  it('writes plain lines, no more often than its interval, when not a terminal', () => {
    let now = 0;
    const { writes, stream } = sink(false);
    const bar = new ProgressBar({ label: 'batch', unit: 'records', stream, env: {}, intervalMs: 5_000, now: () => now });
    expect(bar.mode).toBe('lines');
    for (let s = 0; s <= 10; s++) {
      now = s * 1_000;
      bar.update(s * 10, 100);
    }
    bar.finish(100, 100);
    expect(writes).toEqual([
      'batch: 0 / 100 records (0.0%)\n',
      'batch: 50 / 100 records (50.0%) · 10 records/s · ETA 5s\n',
      'batch: 100 / 100 records (100.0%) · 10 records/s · done\n',
      'batch: 100 / 100 records (100.0%) · 10 records/s · done\n',
    ]);
    expect(writes.some((w) => w.includes('\r'))).toBe(false);
  });

  it('uses lines under CI=true even on a terminal', () => {
    expect(progressOutput({ isTTY: true }, { CI: 'true' })).toBe('lines');
    expect(progressOutput({ isTTY: true }, {})).toBe('bar');
    expect(progressOutput({ isTTY: false }, {})).toBe('lines');
  });
});

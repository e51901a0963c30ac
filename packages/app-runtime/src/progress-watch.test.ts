import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressWatch, StatusBoard } from './index.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('ProgressWatch', () => {
  it('sums the counting units of a board into one progress line, and ends once none counts', () => {
    vi.useFakeTimers();
    let now = 0;
    const board = new StatusBoard('producer', () => now);
    const writes: string[] = [];
    const stream = { isTTY: false, write: (s: string) => writes.push(s) > 0 };
    const watch = new ProgressWatch({ board, kind: 'table', label: 'snapshot', unit: 'rows', stream, env: {}, everyMs: 1_000, intervalMs: 0, now: () => now, counts: (u) => u.phase === 'snapshot' });
    board.report('table', 'public.a', { phase: 'snapshot', done: 0, total: 100 });
    board.report('table', 'public.b', { phase: 'snapshot', done: 0, total: 300 });
    now = 1_000;
    vi.advanceTimersByTime(1_000);
    board.report('table', 'public.a', { done: 100 });
    board.report('table', 'public.b', { done: 100 });
    now = 2_000;
    vi.advanceTimersByTime(1_000);
    board.report('table', 'public.a', { phase: 'stream', done: 100, total: 100 });
    board.report('table', 'public.b', { phase: 'stream', done: 300, total: 300 });
    now = 3_000;
    vi.advanceTimersByTime(1_000);
    watch.stop();
    watch.stop();
    expect(writes).toEqual(['snapshot: 0 / 400 rows (0.0%)\n', 'snapshot: 200 / 400 rows (50.0%) · 200 rows/s · ETA 1s\n', 'snapshot: 400 / 400 rows (100.0%) · 200 rows/s · done\n']);
  });
});

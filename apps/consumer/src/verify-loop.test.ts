import type { Metrics } from '@buyonline/connect-api';
import { silentLogger } from '@buyonline/connect-api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type VerifiedTable, VerifyGauges, VerifyLoop } from './verify-loop.ts';

/** The last value of each gauge, by `name{table}`. */
class GaugeRecorder implements Metrics {
  readonly values = new Map<string, number>();
  count(): void {}
  observe(): void {}
  gauge(name: string, value: number, labels: Record<string, string> = {}): void {
    this.values.set(`${name}{${labels.table ?? ''}}`, value);
  }
  of(table: string): Record<string, number | undefined> {
    const short = (n: string) => n.replace('verify_', '');
    return Object.fromEntries(['verify_last_run_timestamp_seconds', 'verify_last_result', 'verify_rows_compared', 'verify_ranges_mismatched', 'verify_ranges_repaired', 'verify_stale'].map((n) => [short(n), this.values.get(`${n}{${table}}`)]));
  }
}

const T = 's.items';
const equal = (at: number): VerifiedTable => ({ table: T, lastVerifiedAt: new Date(at).toISOString(), result: 'equal', rowsCompared: 6000, rangesMismatched: 2, rangesRepaired: 2 });

/** A verify the test ends by hand: each call waits until `finish` or `fail` is called. */
function manualVerify() {
  const pending: { resolve: (v: VerifiedTable[]) => void; reject: (e: Error) => void }[] = [];
  return {
    calls: () => pending.length,
    verify: () => new Promise<VerifiedTable[]>((resolve, reject) => pending.push({ resolve, reject })),
    finish: (v: VerifiedTable[]) => pending.at(-1)?.resolve(v),
    fail: (e: Error) => pending.at(-1)?.reject(e),
  };
}

function setup(opts: { leader?: () => boolean; staleMs?: number } = {}) {
  let now = 1_000_000;
  const metrics = new GaugeRecorder();
  const fake = manualVerify();
  const warnings: string[] = [];
  const logger = { ...silentLogger, warn: (_: object, msg: string) => warnings.push(msg), child: () => logger };
  const loop = new VerifyLoop({
    intervalMs: 5000,
    isLeader: opts.leader ?? (() => true),
    tables: [T],
    verify: fake.verify,
    gauges: new VerifyGauges(metrics, opts.staleMs ?? 60_000),
    logger,
    now: () => now,
  });
  return { loop, metrics, fake, warnings, advance: (ms: number) => (now += ms), now: () => now };
}

describe('VerifyLoop', () => {
  afterEach(() => vi.useRealTimers());

  it('runs verify every interval once started, and not after stop', async () => {
    vi.useFakeTimers();
    const { loop, fake } = setup();
    loop.start();
    expect(fake.calls()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(fake.calls()).toBe(1);
    fake.finish([equal(0)]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(fake.calls()).toBe(2);
    fake.finish([equal(0)]);
    loop.stop();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fake.calls()).toBe(2);
  });

  it('never starts a run while the last one is still going', async () => {
    const { loop, fake } = setup();
    const first = loop.tick();
    expect(first).toBeDefined();
    expect(loop.tick()).toBeUndefined();
    expect(loop.tick()).toBeUndefined();
    expect(fake.calls()).toBe(1);
    fake.finish([equal(0)]);
    await first;
    expect(loop.tick()).toBeDefined();
    expect(fake.calls()).toBe(2);
  });

  it('only the leader verifies (the member owning partition 0 of the first topic)', () => {
    let leader = false;
    const { loop, fake, metrics } = setup({ leader: () => leader });
    expect(loop.tick()).toBeUndefined();
    expect(fake.calls()).toBe(0);
    expect(metrics.values.size).toBe(0); // a member that does not verify publishes nothing, stale included
    leader = true;
    expect(loop.tick()).toBeDefined();
    expect(fake.calls()).toBe(1);
  });

  it('a member that stops owning the partition sets its verify_stale to 0: the new owner alone decides', async () => {
    let leader = true;
    const { loop, fake, metrics, advance } = setup({ leader: () => leader, staleMs: 60_000 });
    const run = loop.tick();
    fake.fail(new Error('no'));
    await run;
    advance(61_000);
    const next = loop.tick();
    fake.fail(new Error('no'));
    await next;
    expect(metrics.of(T).stale).toBe(1);
    leader = false;
    expect(loop.tick()).toBeUndefined();
    expect(metrics.of(T).stale).toBe(0);
    advance(61_000);
    loop.tick();
    expect(metrics.of(T).stale).toBe(0);
  });

  it('records the last result, rows compared, ranges mismatched and repaired per table', async () => {
    const { loop, fake, metrics, now } = setup();
    const run = loop.tick();
    const at = now() - 3000;
    fake.finish([equal(at), { table: 'public.notes', lastVerifiedAt: new Date(at).toISOString(), result: 'mismatch', rowsCompared: 10, rangesMismatched: 1, rangesRepaired: 0 }]);
    await run;
    expect(metrics.of(T)).toEqual({ last_run_timestamp_seconds: at / 1000, last_result: 1, rows_compared: 6000, ranges_mismatched: 2, ranges_repaired: 2, stale: 0 });
    expect(metrics.of('public.notes')).toMatchObject({ last_result: 0, rows_compared: 10, ranges_mismatched: 1, ranges_repaired: 0 });
  });

  it('a failed run is result -1 and a warning, never a throw, and the next interval runs again', async () => {
    const { loop, fake, metrics, warnings, now } = setup();
    const run = loop.tick();
    fake.fail(new Error('PostgreSQL is down'));
    await expect(run).resolves.toBeUndefined();
    expect(metrics.of(T)).toMatchObject({ last_result: -1, last_run_timestamp_seconds: now() / 1000 });
    expect(warnings).toHaveLength(1);
    expect(loop.tick()).toBeDefined();
    expect(fake.calls()).toBe(2);
  });

  it('verify_stale turns 1 once the last EQUAL verification is older than the stale time, also while a run hangs or fails', async () => {
    const { loop, fake, metrics, advance, now } = setup({ staleMs: 60_000 });
    const run = loop.tick();
    fake.finish([equal(now())]);
    await run;
    expect(metrics.of(T).stale).toBe(0);
    advance(30_000);
    const failing = loop.tick();
    fake.fail(new Error('timeout'));
    await failing;
    expect(metrics.of(T)).toMatchObject({ last_result: -1, stale: 0 });
    advance(31_000);
    loop.tick(); // this one hangs
    expect(metrics.of(T).stale).toBe(1);
    advance(5000);
    expect(loop.tick()).toBeUndefined();
    expect(metrics.of(T).stale).toBe(1);
    fake.finish([equal(now())]);
    await vi.waitFor(() => expect(metrics.of(T).stale).toBe(0));
  });

  it('a table that never verified EQUAL is stale once the stale time passed since this member began to verify', async () => {
    const { loop, fake, metrics, advance } = setup({ staleMs: 60_000 });
    const run = loop.tick();
    fake.fail(new Error('no'));
    await run;
    expect(metrics.of(T).stale).toBe(0);
    advance(61_000);
    const next = loop.tick();
    expect(metrics.of(T).stale).toBe(1);
    fake.fail(new Error('no'));
    await next;
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { LoopLiveness } from './loop-liveness.ts';

let liveness: LoopLiveness | undefined;
afterEach(() => liveness?.stop());

describe('loop liveness', () => {
  it('a loop blocked by synchronous work for longer than the allowed lag counts as wedged until the timer ticks again', async () => {
    liveness = new LoopLiveness({ intervalMs: 5, maxLagMs: 50 });
    liveness.start();
    expect(liveness.check().alive).toBe(true);
    const until = Date.now() + 120;
    while (Date.now() < until) {
      // a synchronous spin: no timer can fire
    }
    const during = liveness.check();
    expect(during.alive).toBe(false);
    expect(during.sinceTickMs).toBeGreaterThan(50);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(liveness.check().alive).toBe(true);
  });

  it('without start() nothing ticks: the check is only as fresh as the last tick', () => {
    let now = 0;
    liveness = new LoopLiveness({ maxLagMs: 10, now: () => now });
    now = 10;
    expect(liveness.check()).toEqual({ alive: true, sinceTickMs: 10, maxLagMs: 10 });
    now = 11;
    expect(liveness.check().alive).toBe(false);
    liveness.tick();
    expect(liveness.check()).toEqual({ alive: true, sinceTickMs: 0, maxLagMs: 10 });
  });
});

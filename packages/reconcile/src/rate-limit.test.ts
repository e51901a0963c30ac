import { describe, expect, it } from 'vitest';
import { RateLimit } from './rate-limit.ts';

describe('the rate limit on PostgreSQL reads', () => {
  it('waits so that rows never run ahead of N a second since the start', async () => {
    let now = 1_000;
    const waits: number[] = [];
    const limit = new RateLimit(100, () => now, async (ms) => {
      waits.push(ms);
      now += ms;
    });
    for (let i = 0; i < 250; i++) await limit.take(1);
    expect(now - 1_000).toBeCloseTo(2_500, 0);
    expect(waits.length).toBe(250);
  });

  it('does not wait without a limit', async () => {
    const waits: number[] = [];
    const limit = new RateLimit(undefined, () => 0, async (ms) => void waits.push(ms));
    await limit.take(1_000_000);
    expect(waits).toEqual([]);
  });
});

import { noopContext } from '@buyonline/connect-api/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LEAVE_GROUP_TIMEOUT_MS, leaveGroup } from './leave-group.ts';

describe('leaveGroup', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns once the consumer left', async () => {
    expect(await leaveGroup(async () => undefined, noopContext().logger)).toBe(false);
  });

  it('gives up after 30 s when the group does not answer', async () => {
    vi.useFakeTimers();
    let settled: boolean | undefined;
    const leaving = leaveGroup(() => new Promise<void>(() => undefined), noopContext().logger).then((gaveUp) => {
      settled = gaveUp;
    });
    await vi.advanceTimersByTimeAsync(LEAVE_GROUP_TIMEOUT_MS - 1);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await leaving;
    expect(settled).toBe(true);
    expect(LEAVE_GROUP_TIMEOUT_MS).toBe(30_000);
  });
});

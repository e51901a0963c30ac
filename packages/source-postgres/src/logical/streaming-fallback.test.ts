import { describe, expect, it } from 'vitest';
import { StreamingFallback } from './streaming-fallback.ts';

describe('StreamingFallback', () => {
  it('turns streaming off once a streamed transaction is open longer than allowed, and on again after ten times that', () => {
    let now = 0;
    const fallback = new StreamingFallback(1_000, () => now);
    expect(fallback.tooLong(undefined)).toBe(false);
    now = 1_000;
    expect(fallback.tooLong(0)).toBe(false);
    now = 1_001;
    expect(fallback.tooLong(0)).toBe(true);
    expect(fallback.on).toBe(false);
    expect(fallback.tooLong(0)).toBe(false); // already off
    now = 10_000;
    expect(fallback.backOn()).toBe(false);
    now = 11_001;
    expect(fallback.backOn()).toBe(true);
    expect(fallback.on).toBe(true);
    expect(fallback.backOn()).toBe(false);
  });
});

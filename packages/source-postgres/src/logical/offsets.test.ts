import { describe, expect, it } from 'vitest';
import { capturedList, leftOutOfCapture } from './offsets.ts';

describe('the captured tables stored with the stream position', () => {
  it('are listed sorted, so the same tables give the same list', () => {
    expect(capturedList(['shop.orders', 'public.a'])).toBe(capturedList(['public.a', 'shop.orders']));
  });

  it('tell a table left out of the capture; a position from before the list was kept tells none', () => {
    const stored = { phase: 'stream' as const, lsn: '0/10', tables: capturedList(['public.a']) };
    expect(leftOutOfCapture(stored, 'public.b')).toBe(true);
    expect(leftOutOfCapture(stored, 'public.a')).toBe(false);
    expect(leftOutOfCapture({ phase: 'stream', lsn: '0/10' }, 'public.b')).toBe(false);
    expect(leftOutOfCapture(undefined, 'public.b')).toBe(false);
  });
});

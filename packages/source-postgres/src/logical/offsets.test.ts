import { describe, expect, it } from 'vitest';
import { capturedTables, leftOutOfCapture } from './offsets.ts';

describe('the captured tables stored beside the stream position', () => {
  it('are listed sorted, so the same tables give the same list', () => {
    expect(capturedTables(['shop.orders', 'public.a'])).toEqual(capturedTables(['public.a', 'shop.orders']));
  });

  it('tell a table left out of the capture; none is told when no list was stored', () => {
    const stored = capturedTables(['public.a']);
    expect(leftOutOfCapture(stored, 'public.b')).toBe(true);
    expect(leftOutOfCapture(stored, 'public.a')).toBe(false);
    expect(leftOutOfCapture(undefined, 'public.b')).toBe(false);
  });
});

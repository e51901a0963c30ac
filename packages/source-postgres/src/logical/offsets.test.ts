import { describe, expect, it } from 'vitest';
import { capturedTables, freshTableOffset, leftOutOfCapture, offsetAfterChunk, rangesOf } from './offsets.ts';
import { keyRanges } from './stream-decoder.ts';

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

describe('a snapshot of key ranges (execute-snapshot with ranges, as verify --repair sends)', () => {
  const ranges = [
    { after: '10', upTo: '20' },
    { after: '50', upTo: null },
  ];
  const start = { ...freshTableOffset('incremental'), ranges: JSON.stringify(ranges) };

  it('keeps the ranges left with each chunk, and is done (ranges dropped) after the last', () => {
    const mid = offsetAfterChunk(start, { lastKey: '15', ranges });
    expect(mid).toMatchObject({ snapshot: 'incremental', last_key: '15' });
    expect(rangesOf(mid)).toEqual(ranges);
    const second = offsetAfterChunk(mid, { lastKey: '60', ranges: ranges.slice(1) });
    expect(rangesOf(second)).toEqual([{ after: '50', upTo: null }]);
    const done = offsetAfterChunk(second, { lastKey: null, ranges: [] });
    expect(done).toEqual({ ...freshTableOffset('done') });
    expect(rangesOf(done)).toEqual([]);
  });

  it('a whole-table snapshot stores no ranges', () => {
    expect(offsetAfterChunk(freshTableOffset('incremental'), { lastKey: '3' })).toEqual({ ...freshTableOffset('incremental'), last_key: '3' });
  });

  it("reads a signal's ranges: none is the whole table, bounds are key texts or null, anything else is refused", () => {
    expect(keyRanges(undefined)).toEqual([]);
    expect(keyRanges([{ after: null, upTo: '5' }, { after: '["a","1"]' }])).toEqual([
      { after: null, upTo: '5' },
      { after: '["a","1"]', upTo: null },
    ]);
    expect(keyRanges([{ after: 5 }])).toBeUndefined();
    expect(keyRanges('1-5')).toBeUndefined();
    expect(keyRanges([null])).toBeUndefined();
  });
});

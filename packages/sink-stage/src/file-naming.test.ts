import { describe, expect, it } from 'vitest';
import { parseStageFileName, partitionPath, stageFileName, type StageFileRef } from './file-naming.ts';

describe('stage file names', () => {
  it.each<StageFileRef>([
    { topic: 'orders', partition: 0, startOffset: 0, endOffset: 0 },
    { topic: 'shop.public.orders', partition: 3, startOffset: 5, endOffset: 42 },
    { topic: 'cdc-products_v2', partition: 11, startOffset: 1_000, endOffset: 1_999 },
    { topic: 'a.b-c.d-e', partition: 7, startOffset: 123_456_789, endOffset: 123_456_790 },
    { topic: 'big', partition: 0, startOffset: Number.MAX_SAFE_INTEGER - 1, endOffset: Number.MAX_SAFE_INTEGER },
  ])('round-trips $topic partition $partition from $startOffset to $endOffset', (ref) => {
    expect(parseStageFileName(stageFileName(ref))).toEqual(ref);
  });

  it('pads both offsets to 20 digits', () => {
    expect(stageFileName({ topic: 'shop.public.orders', partition: 2, startOffset: 5, endOffset: 42 })).toBe(
      'shop.public.orders+2+00000000000000000005+00000000000000000042.jsonl',
    );
  });

  it('sorts by name in offset order', () => {
    const starts = [100_000, 9, 0, 1_000, 99, 10, 100, 12_345_678_901];
    const names = starts.map((startOffset) =>
      stageFileName({ topic: 'orders', partition: 0, startOffset, endOffset: startOffset }),
    );
    const byName = [...names].sort().map((name) => parseStageFileName(name)?.startOffset);
    expect(byName).toEqual([...starts].sort((a, b) => a - b));
  });

  it.each([
    ['an unrelated file', 'README.md'],
    ['an unpadded name', 'orders+0+5+42.jsonl'],
    ['a 19-digit offset', 'orders+0+0000000000000000005+00000000000000000042.jsonl'],
    ['an empty topic', '+0+00000000000000000005+00000000000000000042.jsonl'],
    ['a non-numeric partition', 'orders+p0+00000000000000000005+00000000000000000042.jsonl'],
    ['a missing end offset', 'orders+0+00000000000000000005.jsonl'],
    ['another extension', 'orders+0+00000000000000000005+00000000000000000042.json'],
    ['a compressed copy', 'orders+0+00000000000000000005+00000000000000000042.jsonl.gz'],
    ['a temp name', 'orders+0+00000000000000000005+00000000000000000042.jsonl.1234-abcdef12.tmp'],
  ])('rejects %s', (_what, name) => {
    expect(parseStageFileName(name)).toBeUndefined();
  });

  it('puts a partition in its own folder under the topic', () => {
    expect(partitionPath('shop.public.orders', 3)).toBe('shop.public.orders/partition=3');
  });
});

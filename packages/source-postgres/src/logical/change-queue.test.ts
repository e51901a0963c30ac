import type { SourceRecord } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { ChangeQueue } from './change-queue.ts';

const record = (name: string, inTransaction = false, positionOnly = false): SourceRecord => ({
  topic: 't',
  sourcePartition: { name },
  sourceOffset: { name },
  keySchema: null,
  key: null,
  valueSchema: { type: 'null' },
  value: null,
  inTransaction,
  positionOnly,
});
const names = (records: readonly SourceRecord[]) => records.map((r) => r.sourcePartition.name);

const wide = (id: number, chars: number, inTransaction = true): SourceRecord => ({
  topic: 't',
  sourcePartition: {},
  sourceOffset: { id },
  keySchema: null,
  key: { id },
  valueSchema: {},
  value: { op: 'c', after: { id, body: 'x'.repeat(chars) } },
  inTransaction,
});

/** Pushes records one after the other, as the stream does (each push waits for room); counts those that went through. */
function stream(queue: ChangeQueue, records: readonly SourceRecord[]) {
  const state = { pushed: 0 };
  void (async () => {
    for (const r of records) {
      await queue.push(r);
      state.pushed++;
    }
  })();
  return state;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ChangeQueue', () => {
  it('hands out the records closing a source transaction together, even past the batch size: a batch never ends on a table position inside it', async () => {
    const queue = new ChangeQueue({ records: 2, bytes: 1_000_000 });
    await queue.push(record('row 1', true));
    await queue.push(record('row 2', true));
    await queue.end([record('table position', false, true), record('stream position', false, true)], '0/100');
    const first = queue.take(() => false);
    expect(names(first.records)).toEqual(['row 1', 'row 2']);
    expect(first.records.at(-1)?.inTransaction).toBe(true);
    const closing = queue.take(() => false);
    expect(names(closing.records)).toEqual(['table position', 'stream position']);
    expect(closing.endLsn).toBe('0/100');
    expect(queue.waiting).toBe(false);
  });

  it('forgets everything queued when cleared, and takes new items after', async () => {
    const queue = new ChangeQueue({ records: 100, bytes: 1_000_000 });
    await queue.push(record('lost', true));
    queue.clear();
    expect(queue.waiting).toBe(false);
    await queue.end([record('after', false, true)], '0/200');
    expect(names(queue.take(() => false).records)).toEqual(['after']);
  });

  it('hands out batches of at most the batch bytes (at least one record), however many rows a batch may hold', async () => {
    const queue = new ChangeQueue({ records: 1000, bytes: 1_000_000 });
    for (let i = 0; i < 10; i++) void queue.push(wide(i, 300_000));
    const sizes: number[] = [];
    while (queue.waiting) sizes.push(queue.take(() => true).records.length);
    expect(sizes).toEqual([4, 4, 2]);
    void queue.push(wide(99, 5_000_000));
    expect(queue.take(() => true).records.length).toBe(1);
  });

  it('makes the stream wait once four batches of bytes are queued, and lets it go on once a batch is left', async () => {
    const queue = new ChangeQueue({ records: 1000, bytes: 1_000_000 });
    // Each record about 300 KB: the 14th brings the queue past 4 MB, and its push waits.
    const state = stream(queue, Array.from({ length: 20 }, (_, i) => wide(i, 300_000)));
    await tick();
    expect(state.pushed).toBe(13);
    queue.take(() => true);
    await tick();
    expect(state.pushed).toBe(13); // 10 records (3 MB) still queued
    queue.take(() => true);
    queue.take(() => true);
    await tick();
    expect(state.pushed).toBeGreaterThan(13);
  });

  it('makes the stream wait on rows too', async () => {
    const queue = new ChangeQueue({ records: 2, bytes: 1_000_000_000 });
    const state = stream(queue, Array.from({ length: 20 }, (_, i) => wide(i, 10)));
    await tick();
    expect(state.pushed).toBe(8);
    for (let i = 0; i < 4; i++) queue.take(() => true);
    await tick();
    expect(state.pushed).toBeGreaterThan(8);
  });
});

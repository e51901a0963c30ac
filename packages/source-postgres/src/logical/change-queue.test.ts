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

describe('ChangeQueue', () => {
  it('hands out the records closing a source transaction together, even past the batch size: a batch never ends on a table position inside it', async () => {
    const queue = new ChangeQueue(100);
    await queue.push(record('row 1', true));
    await queue.push(record('row 2', true));
    await queue.end([record('table position', false, true), record('stream position', false, true)], '0/100');
    const first = queue.take(2, () => false);
    expect(names(first.records)).toEqual(['row 1', 'row 2']);
    expect(first.records.at(-1)?.inTransaction).toBe(true);
    const closing = queue.take(1, () => false);
    expect(names(closing.records)).toEqual(['table position', 'stream position']);
    expect(closing.endLsn).toBe('0/100');
    expect(queue.waiting).toBe(false);
  });

  it('forgets everything queued when cleared, and takes new items after', async () => {
    const queue = new ChangeQueue(100);
    await queue.push(record('lost', true));
    queue.clear();
    expect(queue.waiting).toBe(false);
    await queue.end([record('after', false, true)], '0/200');
    expect(names(queue.take(10, () => false).records)).toEqual(['after']);
  });
});

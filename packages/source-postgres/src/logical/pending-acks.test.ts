import type { SourceRecord } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { PendingAcknowledgements } from './pending-acks.ts';

const record = (n: number, inTransaction = false): SourceRecord => ({
  topic: 't',
  sourcePartition: { slot: 's' },
  sourceOffset: { n },
  keySchema: null,
  key: null,
  valueSchema: { type: 'null' },
  value: null,
  inTransaction,
});

describe('PendingAcknowledgements', () => {
  it('a commit confirms its own batch and those before it, never a batch handed out after it', () => {
    const acks = new PendingAcknowledgements();
    const a = [record(1)];
    const b = [record(2)];
    acks.handedOut(a, '0/100');
    acks.handedOut(b, '0/200');
    expect(acks.committed(a)).toBe('0/100');
    expect(acks.inFlight).toBe(true);
    expect(acks.committed(b)).toBe('0/200');
    expect(acks.inFlight).toBe(false);
  });

  it('batches of one source transaction spread over several polls are confirmed by the commit of the last', () => {
    const acks = new PendingAcknowledgements();
    const first = [record(1, true)];
    const closing = [record(2)];
    acks.handedOut(first, undefined);
    acks.handedOut(closing, '0/300');
    expect(acks.committed(closing)).toBe('0/300');
    expect(acks.inFlight).toBe(false);
  });

  it('an empty transaction is confirmed at once when nothing is out, else with the last batch out', () => {
    const acks = new PendingAcknowledgements();
    expect(acks.emptyTransactionEnd('0/50')).toBe('0/50');
    const a = [record(1)];
    acks.handedOut(a, '0/100');
    expect(acks.emptyTransactionEnd('0/150')).toBeUndefined();
    expect(acks.committed(a)).toBe('0/150');
  });

  it('a commit of records it never handed out (a snapshot batch) confirms nothing', () => {
    const acks = new PendingAcknowledgements();
    acks.handedOut([record(1)], '0/100');
    expect(acks.committed([record(9)])).toBeUndefined();
    expect(acks.inFlight).toBe(true);
  });

  it('holds one entry for all the polls of one open source transaction, whatever its size', () => {
    // A million-row transaction is polled in many small batches while its Kafka transaction
    // stays open (a commit never ends after a record inside a source transaction): none of
    // those batches may be kept until the commit, each with its last record.
    const acks = new PendingAcknowledgements();
    const before = [record(0)];
    acks.handedOut(before, '0/10');
    for (let n = 1; n <= 10_000; n++) acks.handedOut([record(n, true)], n === 1 ? '0/20' : undefined);
    expect(acks.held).toBe(2);
    const closing = [record(10_001)];
    acks.handedOut(closing, '0/900');
    expect(acks.held).toBe(2);
    expect(acks.committed(before)).toBe('0/10');
    // The merged batches carry the end of a transaction one of them closed (0/20) and the last one's (0/900).
    expect(acks.committed(closing)).toBe('0/900');
    expect(acks.inFlight).toBe(false);
  });

  it('an in-transaction batch that closed an earlier source transaction keeps its position when merged', () => {
    const acks = new PendingAcknowledgements();
    acks.handedOut([record(1, true)], '0/20'); // closes T1, ends inside T2
    acks.handedOut([record(2, true)], undefined); // still inside T2
    const last = [record(3)];
    acks.handedOut(last, undefined); // a commit may end after this one
    expect(acks.held).toBe(1);
    expect(acks.committed(last)).toBe('0/20');
    expect(acks.inFlight).toBe(false);
  });
});

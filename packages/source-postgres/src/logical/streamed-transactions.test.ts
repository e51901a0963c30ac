import { describe, expect, it } from 'vitest';
import { AbortedTransactions, StreamedTransactions } from './streamed-transactions.ts';

describe('StreamedTransactions', () => {
  it('keeps several streamed transactions open at once, the current one being the segment received', () => {
    const streams = new StreamedTransactions(new AbortedTransactions());
    expect(streams.anyOpen).toBe(false);
    const a = streams.start(10, 1_000);
    streams.stop();
    const b = streams.start(20, 2_000);
    expect(streams.current).toBe(b);
    streams.stop();
    expect(streams.current).toBeUndefined();
    expect(streams.start(10, 3_000)).toBe(a);
    expect(a.startedUs).toBe(1_000); // the first segment's time stays
    streams.stop();
    expect(streams.commit(10)).toBe(a);
    expect(streams.anyOpen).toBe(true);
    expect(streams.commit(20)).toBe(b);
    expect(streams.anyOpen).toBe(false);
  });

  it('a top-level abort restarts only when some of its changes were queued, and is remembered', () => {
    const aborted = new AbortedTransactions();
    const streams = new StreamedTransactions(aborted);
    streams.start(10, 0);
    expect(streams.abort(10, 10, '0/100')).toBe('dropped');
    const b = streams.start(20, 0);
    streams.queued(b, 20, undefined);
    expect(streams.abort(20, 20, '0/200')).toBe('restart');
    expect(streams.anyOpen).toBe(false);
    expect(aborted.has(10) && aborted.has(20)).toBe(true);
  });

  it('a subtransaction abort restarts only when changes of that subtransaction were queued', () => {
    const streams = new StreamedTransactions(new AbortedTransactions());
    const a = streams.start(10, 0);
    streams.queued(a, 10, undefined);
    streams.queued(a, 11, undefined);
    expect(streams.abort(10, 12, '0/100')).toBe('dropped');
    expect(streams.abort(10, 11, '0/110')).toBe('restart');
    expect(streams.anyOpen).toBe(true); // the transaction itself goes on
  });

  it('drops, in a new session, the changes of a remembered (sub)transaction and every change of a remembered top-level one', () => {
    const aborted = new AbortedTransactions();
    aborted.remember(11, '0/110');
    aborted.remember(30, '0/300');
    const streams = new StreamedTransactions(aborted);
    streams.start(10, 0);
    expect(streams.dropped(10)).toBe(false);
    expect(streams.dropped(11)).toBe(true);
    streams.stop();
    streams.start(30, 0);
    expect(streams.dropped(31)).toBe(true); // a subtransaction of the aborted one
  });

  it('forgets an abort once Kafka holds a position past it', () => {
    const aborted = new AbortedTransactions();
    aborted.remember(11, '0/110');
    aborted.remember(12, '1/0');
    aborted.forgetBefore('0/200');
    expect(aborted.has(11)).toBe(false);
    expect(aborted.has(12)).toBe(true);
    expect(aborted.size).toBe(1);
  });
});

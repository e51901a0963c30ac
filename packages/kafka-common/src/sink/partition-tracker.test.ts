import type { TopicPartitionOffset } from '@buyonline/connect-api';
import { describe, expect, it, vi } from 'vitest';
import { PartitionTracker } from './partition-tracker.ts';

const p0 = { topic: 't', partition: 0 };
const p1 = { topic: 't', partition: 1 };
const at = (partition: number, offset: number) => ({ topic: 't', partition, offset });
const noPosition = () => -1;
const everythingDurable = (consumed: readonly TopicPartitionOffset[]) => [...consumed];

describe('PartitionTracker', () => {
  it('starts a partition where the task recovered it, and the others at the group offset', () => {
    const tracker = new PartitionTracker();
    expect(tracker.assign([p0, p1], [{ ...p1, offset: '42' }])).toEqual([p0, { ...p1, offset: 42 }]);
    // The recovered start counts as consumed: it is committable before anything is read.
    expect(tracker.consumedOffsets()).toEqual([{ ...p1, offset: '42' }]);
    expect(tracker.partitions()).toEqual([p0, p1]);
  });

  it('wants only messages of its own partitions, from the recovered start on', () => {
    const tracker = new PartitionTracker();
    tracker.assign([p0, p1], [{ ...p1, offset: '42' }]);
    expect(tracker.wants(at(0, 0))).toBe(true);
    expect(tracker.wants(at(1, 41))).toBe(false);
    expect(tracker.wants(at(1, 42))).toBe(true);
    expect(tracker.wants(at(2, 0))).toBe(false);
    tracker.markConsumed(at(0, 7));
    expect(tracker.wants(at(0, 7))).toBe(false);
    expect(tracker.wants(at(0, 8))).toBe(true);
  });

  it('hands preCommit the next offset of every partition consumed from, and commits what preCommit returns', () => {
    const tracker = new PartitionTracker();
    tracker.assign([p0, p1], []);
    tracker.markConsumed(at(0, 9));
    tracker.markConsumed(at(1, 4));
    // The task says only partition 0 is durable, and only up to 5.
    const preCommit = vi.fn(() => [{ ...p0, offset: '5' }]);
    expect(tracker.toCommit(preCommit)).toEqual([{ ...p0, offset: 5 }]);
    expect(preCommit).toHaveBeenCalledWith([
      { ...p0, offset: '10' },
      { ...p1, offset: '5' },
    ]);
  });

  it('does not ask preCommit when nothing was consumed, and commits nothing when nothing is durable', () => {
    const tracker = new PartitionTracker();
    tracker.assign([p0], []);
    const preCommit = vi.fn(() => []);
    expect(tracker.toCommit(preCommit)).toEqual([]);
    expect(preCommit).not.toHaveBeenCalled();
    tracker.markConsumed(at(0, 0));
    expect(tracker.toCommit(preCommit)).toEqual([]);
    expect(preCommit).toHaveBeenCalledTimes(1);
  });

  it('limits a commit to the partitions asked for (a revoke)', () => {
    const tracker = new PartitionTracker();
    tracker.assign([p0, p1], []);
    tracker.markConsumed(at(0, 1));
    tracker.markConsumed(at(1, 2));
    expect(tracker.toCommit(everythingDurable, [p1])).toEqual([{ ...p1, offset: 3 }]);
  });

  it('forgets released partitions: nothing of them is wanted or committed, and a new assignment starts afresh', () => {
    const tracker = new PartitionTracker();
    tracker.assign([p0, p1], []);
    tracker.markConsumed(at(0, 1));
    tracker.markConsumed(at(1, 2));
    tracker.release([p1]);
    expect(tracker.partitions()).toEqual([p0]);
    expect(tracker.wants(at(1, 3))).toBe(false);
    expect(tracker.toCommit(everythingDurable)).toEqual([{ ...p0, offset: 2 }]);
    // Assigned again without a recovered start: the group's committed offset applies, nothing is committable yet.
    expect(tracker.assign([p1], [])).toEqual([p1]);
    expect(tracker.consumedOffsets([p1])).toEqual([]);
  });

  it('a new assignment with a recovered start replaces what was consumed before', () => {
    const tracker = new PartitionTracker();
    tracker.assign([p0], []);
    tracker.markConsumed(at(0, 99));
    tracker.assign([p0], [{ ...p0, offset: '10' }]);
    expect(tracker.consumedOffsets()).toEqual([{ ...p0, offset: '10' }]);
    expect(tracker.wants(at(0, 10))).toBe(true);
  });

  it('is drained once assigned and every partition reached its end, by its own count or the consumer position', () => {
    const tracker = new PartitionTracker();
    tracker.setEnd('t', 0, 10);
    tracker.setEnd('t', 1, 5);
    expect(tracker.drained(noPosition)).toBe(false); // nothing assigned yet
    tracker.assign([], []);
    expect(tracker.drained(noPosition)).toBe(false); // an empty assignment is not the end
    tracker.assign([p0, p1], []);
    tracker.markConsumed(at(0, 9));
    expect(tracker.drained(noPosition)).toBe(false);
    expect(tracker.drained((tp) => (tp.partition === 1 ? 5 : -1))).toBe(true);
  });

  it('takes a partition without a recorded end (created after the start) as drained once it has a position', () => {
    const tracker = new PartitionTracker();
    tracker.assign([p0], []);
    expect(tracker.drained(noPosition)).toBe(false);
    expect(tracker.drained(() => 0)).toBe(true);
  });

  it('takes a partition that held nothing at the start (end at its low watermark) as drained without a position', () => {
    const tracker = new PartitionTracker();
    tracker.setEnd('t', 0, 0, 0); // never written
    tracker.setEnd('t', 1, 7, 7); // every record deleted by retention
    tracker.setEnd('t', 2, 5, 0);
    tracker.assign([p0, p1], []);
    expect(tracker.drained(noPosition)).toBe(true);
    tracker.assign([p0, p1, { topic: 't', partition: 2 }], []);
    expect(tracker.drained(noPosition)).toBe(false); // partition 2 still has records to read
    tracker.markConsumed(at(2, 4));
    expect(tracker.drained(noPosition)).toBe(true);
  });

  it('summarises each partition with its position and its end when recorded', () => {
    const tracker = new PartitionTracker();
    tracker.setEnd('t', 0, 10);
    tracker.assign([p0, p1], []);
    tracker.markConsumed(at(0, 9));
    expect(tracker.summary((tp) => (tp.partition === 1 ? 3 : 2))).toEqual([
      { ...p0, position: 10, end: 10 },
      { ...p1, position: 3 },
    ]);
  });
});

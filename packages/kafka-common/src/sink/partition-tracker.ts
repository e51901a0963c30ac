import type { TopicPartitionOffset, TopicPartitionRef } from '@buyonline/connect-api';

/** A partition to assign, at the offset the task recovered (absent: the group's committed offset). */
export type StartingPartition = TopicPartitionRef & { offset?: number };

/** An offset to commit to the group (the next offset to read). */
export interface CommitOffset extends TopicPartitionRef {
  offset: number;
}

export interface PartitionSummary {
  topic: string;
  partition: number;
  /** Next offset to read when the run ended. */
  position: number;
  /** End offset recorded at start (batch mode). */
  end?: number;
}

/** The consumer's own position of a partition (-1 when it has none). */
export type ConsumerPosition = (tp: TopicPartitionRef) => number;

const tpKey = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * The sink's partitions: which are ours, the next offset to read of each (as far as this worker
 * consumed), the end offsets of a batch run, and which offsets may be committed (only those the
 * task's preCommit says are durable).
 */
export class PartitionTracker {
  private readonly assigned = new Map<string, TopicPartitionRef>();
  /** Next offset to read per partition, as far as this worker has consumed. */
  private readonly consumed = new Map<string, number>();
  private readonly ends = new Map<string, number>();
  /** Partitions that held nothing to read at the start of a batch run (end offset at the low watermark: 0 when never written). */
  private readonly emptyAtStart = new Set<string>();
  private assignedOnce = false;

  /**
   * Takes the partitions as ours. Where the task recovered a start (from the stage) reading
   * starts there and counts as consumed up to it; elsewhere the group's committed offset applies.
   */
  assign(parts: readonly TopicPartitionRef[], starts: readonly TopicPartitionOffset[]): StartingPartition[] {
    const startOf = new Map(starts.map((s) => [tpKey(s.topic, s.partition), Number(s.offset)]));
    const assignment = parts.map((tp): StartingPartition => {
      const key = tpKey(tp.topic, tp.partition);
      const start = startOf.get(key);
      this.assigned.set(key, tp);
      if (start === undefined) {
        this.consumed.delete(key);
        return tp;
      }
      this.consumed.set(key, start);
      return { ...tp, offset: start };
    });
    this.assignedOnce = true;
    return assignment;
  }

  /** Forgets partitions (revoked or lost): what was consumed of them is not ours to commit any more. */
  release(parts: readonly TopicPartitionRef[]): void {
    for (const tp of parts) {
      this.assigned.delete(tpKey(tp.topic, tp.partition));
      this.consumed.delete(tpKey(tp.topic, tp.partition));
    }
  }

  partitions(): TopicPartitionRef[] {
    return [...this.assigned.values()];
  }

  /**
   * Whether a fetched message is to be handled: its partition is still ours (not fetched before
   * a revoke) and it lies at or after the next offset to read (not before a recovered start).
   */
  wants(m: { topic: string; partition: number; offset: number }): boolean {
    const key = tpKey(m.topic, m.partition);
    if (!this.assigned.has(key)) return false;
    const next = this.consumed.get(key);
    return next === undefined || m.offset >= next;
  }

  /** The message was handled (put, dropped by a transform or dead-lettered): the next offset follows it. */
  markConsumed(m: { topic: string; partition: number; offset: number }): void {
    this.consumed.set(tpKey(m.topic, m.partition), m.offset + 1);
  }

  /** What preCommit is given: the next offset to read of every partition (of `only`) consumed from. */
  consumedOffsets(only?: readonly TopicPartitionRef[]): TopicPartitionOffset[] {
    const offsets: TopicPartitionOffset[] = [];
    for (const tp of only ?? this.assigned.values()) {
      const next = this.consumed.get(tpKey(tp.topic, tp.partition));
      if (next !== undefined) offsets.push({ topic: tp.topic, partition: tp.partition, offset: String(next) });
    }
    return offsets;
  }

  /**
   * What to commit: what `preCommit` returns for the consumed offsets (the durable part).
   * preCommit is not asked when nothing was consumed; empty means commit nothing.
   */
  toCommit(preCommit: (consumed: readonly TopicPartitionOffset[]) => TopicPartitionOffset[], only?: readonly TopicPartitionRef[]): CommitOffset[] {
    const consumed = this.consumedOffsets(only);
    if (consumed.length === 0) return [];
    return preCommit(consumed).map((o) => ({ topic: o.topic, partition: o.partition, offset: Number(o.offset) }));
  }

  /**
   * The end offset of a partition, recorded at the start of a batch run with its low watermark:
   * where they meet there is nothing to read, and no consumer position will ever say so.
   */
  setEnd(topic: string, partition: number, end: number, low = 0): void {
    this.ends.set(tpKey(topic, partition), end);
    if (end <= low) this.emptyAtStart.add(tpKey(topic, partition));
    else this.emptyAtStart.delete(tpKey(topic, partition));
  }

  /** The next offset to read: ours or the consumer's, whichever is further. */
  position(tp: TopicPartitionRef, consumerPosition: ConsumerPosition): number {
    return Math.max(this.consumed.get(tpKey(tp.topic, tp.partition)) ?? -1, consumerPosition(tp));
  }

  /** Batch mode: partitions were assigned and every one of them reached its end offset. */
  drained(consumerPosition: ConsumerPosition): boolean {
    if (!this.assignedOnce || this.assigned.size === 0) return false;
    for (const tp of this.assigned.values()) {
      if (this.emptyAtStart.has(tpKey(tp.topic, tp.partition))) continue;
      const end = this.ends.get(tpKey(tp.topic, tp.partition)) ?? 0;
      if (this.position(tp, consumerPosition) < end) return false;
    }
    return true;
  }

  summary(consumerPosition: ConsumerPosition): PartitionSummary[] {
    return this.partitions().map((tp) => {
      const end = this.ends.get(tpKey(tp.topic, tp.partition));
      return { topic: tp.topic, partition: tp.partition, position: this.position(tp, consumerPosition), ...(end === undefined ? {} : { end }) };
    });
  }
}

import type { MessageKey } from '@confluentinc/kafka-javascript';
import { connect, consume, disconnect, readCommittedConsumer } from '../kafka/raw-clients.ts';

/** A record as it is in the data topic: where, when appended (LogAppendTime), and its bytes. */
export interface TopicRecord {
  partition: number;
  offset: number;
  /** Broker append time, epoch ms. */
  timestamp: number;
  key: MessageKey;
  value: Buffer | null;
}

export interface ConsumeLimit {
  records: number;
  /** From connect to the last record (group join included, as in the consumer's own figure). */
  seconds: number;
  rowsPerSec: number;
  /** From the first record to the last. */
  steadyRowsPerSec: number;
  /** rows/s of every attempt, when there were several: the limit is the best of them. */
  attempts?: number[];
}

/**
 * The bare consume loop: a raw KafkaConsumer (read_committed, new group, from the earliest
 * offset), consume(n) in a loop, counting until the `total` records the topic holds are read.
 * The records are kept: the bare produce loop sends them again and the bench reads its figures from them.
 */
export async function bareConsume(brokers: string, topic: string, groupId: string, total: number): Promise<{ limit: ConsumeLimit; records: TopicRecord[] }> {
  const startedAt = performance.now();
  const consumer = readCommittedConsumer(brokers, groupId, { 'fetch.wait.max.ms': 100 });
  await connect(consumer);
  consumer.setDefaultConsumeTimeout(100);
  consumer.subscribe([topic]);
  const records: TopicRecord[] = [];
  let firstAt = 0;
  let lastProgress = performance.now();
  try {
    while (records.length < total) {
      const batch = await consume(consumer, 10_000);
      if (batch.length === 0) {
        if (performance.now() - lastProgress > 60_000) throw new Error(`bare consume: ${records.length} of ${total} records, none for 60 s`);
        continue;
      }
      lastProgress = performance.now();
      if (firstAt === 0) firstAt = lastProgress;
      for (const m of batch) records.push({ partition: m.partition, offset: m.offset, timestamp: m.timestamp ?? 0, key: m.key, value: m.value });
    }
  } finally {
    await disconnect(consumer);
  }
  const seconds = (lastProgress - startedAt) / 1000;
  const steady = (lastProgress - firstAt) / 1000;
  return { limit: { records: records.length, seconds, rowsPerSec: records.length / seconds, steadyRowsPerSec: steady > 0 ? records.length / steady : 0 }, records };
}

/** The bare consume loop `groups.length` times, each with its own new group: the best of them is the limit (the machine is shared). */
export async function bestBareConsume(brokers: string, topic: string, groups: readonly string[], total: number): Promise<{ limit: ConsumeLimit; records: TopicRecord[] }> {
  const first = await bareConsume(brokers, topic, groups[0] as string, total);
  const limits = [first.limit];
  for (const group of groups.slice(1)) limits.push((await bareConsume(brokers, topic, group, total)).limit);
  const best = limits.reduce((a, b) => (b.rowsPerSec > a.rowsPerSec ? b : a));
  return { limit: { ...best, attempts: limits.map((l) => l.rowsPerSec) }, records: first.records };
}

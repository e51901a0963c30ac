import type { Producer } from '@confluentinc/kafka-javascript';
import { connect, disconnect, transaction, transactionalProducer } from '../kafka/raw-clients.ts';
import type { TopicRecord } from './bare-consume.ts';

export interface ProduceLimit {
  records: number;
  transactions: number;
  seconds: number;
  rowsPerSec: number;
}

function produce(producer: Producer, topic: string, record: TopicRecord): Promise<void> | undefined {
  try {
    producer.produce(topic, null, record.value, record.key);
    return undefined;
  } catch (err) {
    // the local queue is full: wait for librdkafka to send some, then again
    if (!/queue full/i.test((err as Error).message)) throw err;
    return new Promise((r) => setTimeout(r, 1)).then(() => produce(producer, topic, record));
  }
}

/**
 * The bare transactional produce loop: the same keys and values, sent again into a scratch
 * topic by a transactional producer, `perTransaction` records per Kafka transaction.
 */
export async function bareProduce(brokers: string, topic: string, transactionalId: string, records: readonly TopicRecord[], perTransaction: number): Promise<ProduceLimit> {
  const producer = transactionalProducer(brokers, transactionalId, { 'linger.ms': 5 });
  await connect(producer);
  try {
    await transaction(producer, 'initTransactions');
    const startedAt = performance.now();
    let transactions = 0;
    for (let start = 0; start < records.length; start += perTransaction) {
      await transaction(producer, 'beginTransaction');
      for (const record of records.slice(start, start + perTransaction)) {
        const waiting = produce(producer, topic, record);
        if (waiting) await waiting;
      }
      await transaction(producer, 'commitTransaction');
      transactions++;
    }
    const seconds = (performance.now() - startedAt) / 1000;
    return { records: records.length, transactions, seconds, rowsPerSec: records.length / seconds };
  } finally {
    await disconnect(producer);
  }
}

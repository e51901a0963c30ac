import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import type { PreparedBatch } from './source-batch.ts';
import { SourceTransaction } from './source-transaction.ts';

/** A transactional producer whose every send is delivered to partition `n % 3` of its topic at offset n. */
function fakeProducer() {
  let offset = 0;
  return {
    transaction: async () => ({
      send: async ({ topic, messages }: { topic: string; messages: KafkaJS.Message[] }) => {
        const first = offset;
        offset += messages.length;
        return [{ topicName: topic, partition: first % 3, errorCode: 0, baseOffset: String(first) }];
      },
      commit: async () => undefined,
      abort: async () => undefined,
    }),
  } as unknown as KafkaJS.Producer;
}

const batch = (n: number): PreparedBatch => ({
  byTopic: new Map([['data', [{ key: null, value: Buffer.from(`row ${n}`) }]]]),
  deadLetters: [],
  positions: new Map(),
  sent: 1,
  filtered: 0,
});

describe('SourceTransaction', () => {
  it('reports where its records went once per topic partition (the first offset), however many polls it took', async () => {
    // One large source transaction is polled in many small batches into one Kafka transaction:
    // what the commit reports must not grow with them (it did: one entry per produce call).
    const tx = await SourceTransaction.begin(fakeProducer(), 0);
    for (let n = 0; n < 30_000; n++) await tx.add(batch(n), 'dlq');
    await tx.close('offsets');
    const metadata = await tx.commit();
    expect(metadata).toEqual([
      { topic: 'data', partition: 0, offset: '0' },
      { topic: 'data', partition: 1, offset: '1' },
      { topic: 'data', partition: 2, offset: '2' },
    ]);
    expect(tx.sent).toBe(30_000);
  });
});

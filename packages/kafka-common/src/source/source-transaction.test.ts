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

  it('hands the client at most the undelivered bytes allowed before it waits for deliveries (records just under 1 MB, not 10,000 of them)', async () => {
    let inFlight = 0;
    let most = 0;
    const pending: (() => void)[] = [];
    const producer = {
      transaction: async () => ({
        send: ({ messages }: { topic: string; messages: KafkaJS.Message[] }) => {
          const bytes = messages.reduce((n, m) => n + (m.value?.length ?? 0), 0);
          inFlight += bytes;
          most = Math.max(most, inFlight);
          return new Promise((resolve) =>
            pending.push(() => {
              inFlight -= bytes;
              resolve([]);
            }),
          );
        },
        commit: async () => undefined,
        abort: async () => undefined,
      }),
    } as unknown as KafkaJS.Producer;
    const deliverAll = setInterval(() => {
      for (const deliver of pending.splice(0)) deliver();
    }, 1);
    try {
      const tx = await SourceTransaction.begin(producer, 0, 4_000_000);
      const wide: PreparedBatch = {
        byTopic: new Map([['data', Array.from({ length: 40 }, () => ({ key: null, value: Buffer.alloc(999_000) }))]]),
        deadLetters: [],
        positions: new Map(),
        sent: 40,
        filtered: 0,
      };
      await tx.add(wide, 'dlq');
      await tx.add(wide, 'dlq');
      await tx.close('offsets');
      expect(tx.sent).toBe(80);
      expect(most).toBeLessThanOrEqual(4_000_000);
    } finally {
      clearInterval(deliverAll);
    }
  });
});

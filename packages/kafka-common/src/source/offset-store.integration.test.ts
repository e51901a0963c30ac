import { afterAll, describe, expect, it } from 'vitest';
import { noopContext } from '@buyonline/connect-api/testing';
import { createKafka, ensureTopics } from '../shared/kafka-clients.ts';
import type { KafkaConfig } from '../shared/kafka-config.ts';
import { offsetKey } from './offset-key.ts';
import { readSourceOffsets } from './offset-store.ts';

const kafka: KafkaConfig = { brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:29092').split(','), clientId: `it-offsets-${process.pid}` };
const topic = `it-offsets-${process.pid}-${Date.now() % 100000}`;
const client = createKafka(kafka, noopContext().logger);

/** One Kafka transaction writing each message to the partition it names; committed or aborted. */
async function write(messages: { partition: number; key: string; value: string | null }[], outcome: 'commit' | 'abort' = 'commit'): Promise<void> {
  const producer = client.producer({ kafkaJS: { transactionalId: `${topic}-writer`, idempotent: true } });
  await producer.connect();
  try {
    const tx = await producer.transaction();
    await tx.send({ topic, messages });
    await (outcome === 'commit' ? tx.commit() : tx.abort());
  } finally {
    await producer.disconnect();
  }
}

afterAll(async () => {
  const admin = client.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

describe('readSourceOffsets', () => {
  it('reads every partition of an offsets topic to its end, committed positions only', async () => {
    await ensureTopics(client, [{ topic, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
    const key = (table: string) => offsetKey('src', { table });
    await write([
      { partition: 0, key: key('a'), value: JSON.stringify({ lsn: '0/A1' }) },
      { partition: 1, key: key('b'), value: JSON.stringify({ lsn: '0/B1' }) },
      { partition: 2, key: key('c'), value: JSON.stringify({ lsn: '0/C1' }) },
      { partition: 2, key: key('gone'), value: JSON.stringify({ lsn: '0/D1' }) },
      { partition: 1, key: offsetKey('another-connector', { table: 'b' }), value: JSON.stringify({ lsn: '9/9' }) },
    ]);
    await write([
      { partition: 1, key: key('b'), value: JSON.stringify({ lsn: '0/B2' }) },
      { partition: 2, key: key('gone'), value: null },
    ]);
    // An aborted transaction's positions never count.
    await write([{ partition: 2, key: key('c'), value: JSON.stringify({ lsn: '0/C9' }) }], 'abort');

    const offsets = await readSourceOffsets(kafka, topic, 'src', 30_000);
    expect(offsets.offset({ table: 'a' })).toEqual({ lsn: '0/A1' });
    expect(offsets.offset({ table: 'b' })).toEqual({ lsn: '0/B2' });
    expect(offsets.offset({ table: 'c' })).toEqual({ lsn: '0/C1' });
    expect(offsets.offset({ table: 'gone' })).toBeUndefined();
    expect(offsets.size).toBe(3);
  }, 60_000);

  it('takes the latest record of a key found in several partitions (the partition count was changed)', async () => {
    const key = (table: string) => offsetKey('moved', { table });
    await write([{ partition: 0, key: key('x'), value: JSON.stringify({ lsn: 'old' }) }, { partition: 2, key: key('y'), value: JSON.stringify({ lsn: 'old' }) }]);
    await new Promise((r) => setTimeout(r, 20));
    await write([{ partition: 2, key: key('x'), value: JSON.stringify({ lsn: 'new' }) }, { partition: 0, key: key('y'), value: JSON.stringify({ lsn: 'new' }) }]);
    const offsets = await readSourceOffsets(kafka, topic, 'moved', 30_000);
    expect(offsets.offset({ table: 'x' })).toEqual({ lsn: 'new' });
    expect(offsets.offset({ table: 'y' })).toEqual({ lsn: 'new' });
  }, 60_000);
});

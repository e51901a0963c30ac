import type { Message } from '@confluentinc/kafka-javascript';
import { FencedError } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaConfig } from '../shared/kafka-config.ts';
import { connectRaw, consumeRaw, createKafka, createRawConsumer, disconnectRaw, ensureTopics, watermarks } from '../shared/kafka-clients.ts';
import { NativeTransactionalProducer } from './native-transactional-producer.ts';
import { kafkaError } from './source-transaction.ts';

const kafka: KafkaConfig = { brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:29092').split(','), clientId: `it-native-${process.pid}` };
const topic = `it-native-${process.pid}-${Date.now() % 100000}`;
const client = createKafka(kafka, noopContext().logger);
const log = noopContext().logger;
const producer = (id: string) => new NativeTransactionalProducer(kafka, { 'transactional.id': `${topic}-${id}`, 'linger.ms': 1 }, log, 30_000);

/** Every committed record of the topic (read_committed), from the start. */
async function readCommitted(expected: number): Promise<Message[]> {
  const consumer = createRawConsumer(kafka, { 'group.id': `${topic}-reader-${Math.random()}` });
  await connectRaw(consumer);
  consumer.subscribe([topic]);
  const out: Message[] = [];
  const until = Date.now() + 20_000;
  try {
    while (Date.now() < until && out.length < expected) out.push(...(await consumeRaw(consumer, 1000)));
    // a little longer: nothing more may come (an aborted record would)
    const extra = Date.now() + 1_500;
    while (Date.now() < extra) out.push(...(await consumeRaw(consumer, 1000)));
  } finally {
    await disconnectRaw(consumer);
  }
  return out;
}

beforeAll(() => ensureTopics(client, [{ topic, numPartitions: 3 }]));
afterAll(async () => {
  const admin = client.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

/**
 * Rounds of: a new topic of 8 partitions, at once one transaction of six records of 990 KB per partition
 * (one record per request, up to five requests of a partition in flight while the broker brings the
 * partitions online one by one). A commit must hold every record; a failed send is aborted. Returns
 * the failed sends' errors.
 */
async function firstRecordsOfNewTopics(name: string, create: (topic: string, partitions: number) => Promise<void>): Promise<Error[]> {
  const value = Buffer.alloc(990_000, 'x');
  const partitions = [...Array(8).keys()];
  const perPartition = 6;
  const p = new NativeTransactionalProducer(
    kafka,
    { 'transactional.id': `${topic}-${name}`, 'linger.ms': 1, 'max.in.flight.requests.per.connection': 5 },
    log,
    30_000,
  );
  await p.connect();
  const created: string[] = [];
  const failures: Error[] = [];
  const reader = createRawConsumer(kafka, { 'group.id': `${topic}-${name}-watermarks` });
  await connectRaw(reader);
  try {
    for (let round = 0; round < 20; round++) {
      const t = `${topic}-${name}-${round}`;
      created.push(t);
      await create(t, partitions.length);
      const tx = await p.transaction();
      const messages = partitions.flatMap((partition) => Array.from({ length: perPartition }, (_, i) => ({ partition, key: `${partition}-${i}`, value })));
      const failure = await tx.send({ topic: t, messages }).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      if (failure) {
        failures.push(failure);
        await tx.abort();
        continue;
      }
      await tx.commit();
      // One committed transaction: its records and its commit marker. A read_committed reader's high
      // watermark is the last stable offset: 0 until the marker is written, then records + 1.
      for (const partition of partitions) {
        let stable = 0;
        for (const until = Date.now() + 20_000; stable === 0 && Date.now() < until; ) {
          stable = (await watermarks(reader, t, partition)).high;
          if (stable === 0) await new Promise((r) => setTimeout(r, 50));
        }
        expect({ topic: t, partition, committed: stable - 1 }).toEqual({ topic: t, partition, committed: perPartition });
      }
    }
  } finally {
    await disconnectRaw(reader);
    await p.disconnect();
    const admin = client.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  }
  return failures;
}

describe('NativeTransactionalProducer (librdkafka API, no delivery report per message)', () => {
  it('commits what it sent, with keys, headers and the partitions the KafkaJS-style producer picks; aborted records never show', async () => {
    const p = producer('a');
    await p.connect();
    const committed = await p.transaction();
    const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    // A send resolves once its records are delivered; several in flight resolve each.
    await Promise.all([
      committed.send({ topic, messages: keys.slice(0, 15).map((key) => ({ key, value: Buffer.from(`v ${key}`), headers: { h: 'x' } })) }),
      committed.send({ topic, messages: keys.slice(15).map((key) => ({ key, value: `v ${key}` })) }),
    ]);
    await committed.commit();
    const aborted = await p.transaction();
    await aborted.send({ topic, messages: [{ key: 'aborted', value: 'never' }] });
    await aborted.abort();
    await p.disconnect();

    // The KafkaJS-style producer's partition for each key (murmur2, as Java's).
    const kjs = client.producer({ kafkaJS: { idempotent: true } });
    await kjs.connect();
    const placed = await kjs.send({ topic: `${topic}`, messages: [{ key: 'key-7', value: 'kafkajs' }] });
    await kjs.disconnect();

    const records = await readCommitted(31);
    const ours = records.filter((m) => String(m.value).startsWith('v '));
    expect(ours.map((m) => String(m.key)).sort()).toEqual([...keys].sort());
    expect(records.some((m) => String(m.value) === 'never')).toBe(false);
    expect(ours.find((m) => String(m.key) === 'key-0')?.headers).toEqual([{ h: Buffer.from('x') }]);
    expect(ours.find((m) => String(m.key) === 'key-7')?.partition).toBe(placed[0]?.partition);
  }, 60_000);

  it('a second producer with the same transactional id fences the first: its commit fails as fenced', async () => {
    const first = producer('fence');
    await first.connect();
    const tx = await first.transaction();
    await tx.send({ topic, messages: [{ key: 'zombie', value: 'z' }] });
    const second = producer('fence');
    await second.connect(); // aborts the first's open transaction and fences it
    const err = await tx.commit().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(kafkaError('commit', err)).toBeInstanceOf(FencedError);
    await first.disconnect().catch(() => undefined);
    await second.disconnect();
  }, 60_000);

  it('the first records of topics created a moment before (no wait): a commit holds all of them, or the send fails as unconfirmed', async () => {
    const admin = client.admin();
    await admin.connect();
    try {
      const failures = await firstRecordsOfNewTopics('raw', async (t, numPartitions) => {
        await admin.createTopics({ topics: [{ topic: t, numPartitions }] });
      });
      // Only a delivery librdkafka could not confirm fails a send here; its transaction was aborted.
      for (const failure of failures) expect(failure.message).toMatch(/delivered without an offset/);
    } finally {
      await admin.disconnect();
    }
  }, 300_000);

  it('a topic ensureTopics created takes its first records at once: every send confirmed, every commit whole', async () => {
    const failures = await firstRecordsOfNewTopics('ensured', (t, numPartitions) => ensureTopics(client, [{ topic: t, numPartitions }]));
    expect(failures.map((f) => f.message)).toEqual([]);
  }, 300_000);
});

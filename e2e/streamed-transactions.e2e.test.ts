import kafkaJavascript, { type KafkaConsumer, type Message } from '@confluentinc/kafka-javascript';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from './support/kafka-topic.ts';
import { Scenario, waitFor } from './support/scenario.ts';

const endpoints = inject('endpoints');
const ROWS = 5000;

function call<T>(fn: (cb: (err: unknown, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

/**
 * What a read_committed reader gets from the start of every partition within `ms` (it cannot
 * read to the end while a Kafka transaction is open: it stops before the open one).
 */
async function committedWithin(topic: string, ms: number): Promise<number> {
  const consumer: KafkaConsumer = new kafkaJavascript.KafkaConsumer(
    { 'metadata.broker.list': endpoints.brokers, 'group.id': `e2e-committed-${process.pid}`, 'enable.auto.commit': false, 'isolation.level': 'read_committed' },
    {},
  );
  await call<unknown>((cb) => consumer.connect({ timeout: 10_000 }, (err, data) => cb(err, data)));
  try {
    const metadata = await call<kafkaJavascript.Metadata>((cb) => consumer.getMetadata({ topic, timeout: 10_000 }, (err, data) => cb(err, data)));
    const partitions = metadata.topics.find((t) => t.name === topic)?.partitions.map((p) => p.id) ?? [];
    consumer.assign(partitions.map((partition) => ({ topic, partition, offset: 0 })));
    let count = 0;
    const until = Date.now() + ms;
    while (Date.now() < until) count += (await call<Message[]>((cb) => consumer.consume(1000, (err, data) => cb(err, data)))).length;
    return count;
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

describe('large transactions stream before they commit (pgoutput protocol 2)', () => {
  const scenario = new Scenario('streamtx', endpoints);
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(0));

  it('a streamed transaction is in Kafka before its commit but readable read_committed only after it, an aborted one never; every committed version once, the stage equals PostgreSQL', async () => {
    // 64kB (the least): a transaction of a few hundred rows streams.
    scenario.producer('producer', { LOGICAL_DECODING_WORK_MEM: '64kB' }).start();
    scenario.consumer('consumer').start();
    const { sql, table, topic } = scenario;
    await sql.unsafe(`insert into ${table} (name, category, price) values ('warm-up', 'w', 1)`);
    await waitFor('the warm-up row in Kafka', async () => ((await readTopic(endpoints.brokers, topic)).length > 0 ? true : undefined), 60_000);
    const committed = (await readTopic(endpoints.brokers, topic)).length;
    const uncommitted = async () => (await readTopic(endpoints.brokers, topic, undefined, 'read_uncommitted')).length;

    // Rolled back after PostgreSQL streamed part of it into an open Kafka transaction.
    const aborted = await sql.reserve();
    await aborted`begin`;
    await aborted.unsafe(`insert into ${table} (name, category, price) select 'aborted ' || g, 'aborted', 1 from generate_series(1, ${ROWS}) g`);
    const sent = await waitFor('rows of the open transaction in Kafka', async () => {
      const n = await uncommitted();
      return n > committed ? n : undefined;
    });
    expect(await committedWithin(topic, 3_000)).toBe(committed);
    await aborted`rollback`;
    aborted.release();

    // Committed: streamed, with small transactions committed while it is open.
    const streamed = await sql.reserve();
    await streamed`begin`;
    await streamed.unsafe(`insert into ${table} (name, category, price) select 'streamed ' || g, 'streamed', 2 from generate_series(1, ${ROWS}) g`);
    for (let i = 0; i < 5; i++) await sql.unsafe(`insert into ${table} (name, category, price) values ('small ${i}', 'small', 3)`);
    await streamed.unsafe(`update ${table} set price = price + 1 where category = 'streamed' and id % 2 = 0`);
    await waitFor('rows of the second open transaction in Kafka', async () => ((await uncommitted()) > sent ? true : undefined));
    expect(await committedWithin(topic, 3_000)).toBe(committed);
    await streamed`commit`;
    streamed.release();

    await scenario.waitUntilStageMatchesPostgres();
    const report = await scenario.verifyExactlyOnce();
    // warm-up, the streamed inserts and updates, the small ones; nothing of the rolled-back one
    expect(report.versions).toBe(1 + ROWS + ROWS / 2 + 5);
    const records = await readTopic(endpoints.brokers, topic, endpoints.registryUrl);
    const categories = new Set(records.map((r) => (r.value as { after?: { category?: string } } | null)?.after?.category));
    expect(categories.has('aborted')).toBe(false);
    const [stats] = await sql<{ stream_txns: number }[]>`select stream_txns::int from pg_stat_replication_slots where slot_name = ${scenario.slot}`;
    expect(stats?.stream_txns).toBeGreaterThan(0);
  });
});

import kafkaJavascript, { type KafkaConsumer } from '@confluentinc/kafka-javascript';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from './support/kafka-topic.ts';
import { changesInKafka, Scenario, waitFor } from './support/scenario.ts';

const { KafkaConsumer: RawConsumer } = kafkaJavascript;
const endpoints = inject('endpoints');
const ROWS = 60_000;

function call<T>(fn: (cb: (err: unknown, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

/**
 * Per partition, the end a reader sees: the high watermark (read_uncommitted) or the last stable
 * offset (read_committed), below which no transaction is still open.
 */
async function ends(topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<number[]> {
  const consumer: KafkaConsumer = new RawConsumer(
    { 'metadata.broker.list': endpoints.brokers, 'group.id': `e2e-ends-${process.pid}`, 'isolation.level': isolation },
    {},
  );
  await call<unknown>((cb) => consumer.connect({ timeout: 10_000 }, (err, data) => cb(err, data)));
  try {
    const out: number[] = [];
    for (const p of [0, 1, 2]) {
      const w = await call<{ highOffset: number }>((cb) => consumer.queryWatermarkOffsets(topic, p, 10_000, (err, data) => cb(err, data)));
      out.push(w.highOffset);
    }
    return out;
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * SIGTERM while one large source transaction streams through an open Kafka transaction: the
 * producer must end that Kafka transaction (abort it: its source transaction is read again from
 * the stored position next time) and exit promptly, so that read_committed readers are not held
 * behind it until transaction.timeout.ms.
 */
describe('SIGTERM during a large source transaction', () => {
  const scenario = new Scenario('sigterm', endpoints);
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(0));

  it('aborts the open Kafka transaction and exits: read_committed readers go on at once, and the restarted producer carries the transaction whole, once', async () => {
    const producer = scenario.producer('producer', { POLL_BATCH_SIZE: '200' }).start();
    await scenario.sql.unsafe(`insert into ${scenario.table} (name, category, price) values ('warm-up', 'w', 1)`);
    await waitFor('the warm-up row in Kafka', async () => ((await readTopic(endpoints.brokers, scenario.topic)).length > 0 ? true : undefined), 60_000, 500);
    const committed = sum(await ends(scenario.topic, 'read_committed'));

    await scenario.sql.unsafe(`insert into ${scenario.table} (name, category, price) select 'bulk ' || g, 'bulk', 1 from generate_series(1, ${ROWS}) g`);
    // Part of it is in the topic, not committed: the Kafka transaction is open.
    await waitFor('part of the transaction in the topic', async () => (sum(await ends(scenario.topic, 'read_uncommitted')) > committed + 2_000 ? true : undefined), 120_000, 100);
    const t0 = Date.now();
    const code = await producer.terminate(120_000);
    const exitMs = Date.now() - t0;
    // How long a read_committed reader is held: until no transaction is open in any partition.
    const t1 = Date.now();
    await waitFor(
      'the open transaction to end (read_committed end = high watermark)',
      async () => {
        const [stable, high] = [await ends(scenario.topic, 'read_committed'), await ends(scenario.topic, 'read_uncommitted')];
        return stable.every((s, i) => s === high[i]) ? true : undefined;
      },
      120_000,
      200,
    );
    const heldMs = Date.now() - t1;
    const afterStop = changesInKafka(await readTopic(endpoints.brokers, scenario.topic, endpoints.registryUrl)).filter((c) => c.fields?.name.startsWith('bulk '));
    process.stdout.write(`[e2e] sigterm: producer exited ${code} after ${exitMs} ms; read_committed readers held ${heldMs} ms more; bulk rows committed before the stop ${afterStop.length}\n`);
    expect(code).toBe(0);
    // Half a source transaction is never committed: none of it, or all of it.
    expect([0, ROWS]).toContain(afterStop.length);

    const again = scenario.producer('producer-2').start();
    await waitFor(
      'the whole transaction in Kafka',
      async () => (changesInKafka(await readTopic(endpoints.brokers, scenario.topic, endpoints.registryUrl)).filter((c) => c.fields?.name.startsWith('bulk ')).length >= ROWS ? true : undefined),
      300_000,
      2_000,
    );
    const bulk = changesInKafka(await readTopic(endpoints.brokers, scenario.topic, endpoints.registryUrl)).filter((c) => c.fields?.name.startsWith('bulk '));
    expect(new Set(bulk.map((c) => c.id)).size).toBe(ROWS);
    expect(bulk).toHaveLength(ROWS);
    expect(await again.terminate()).toBe(0);
  }, 900_000);
});

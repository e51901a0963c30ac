import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from './support/kafka-topic.ts';
import type { CarriedChange } from './support/row-versions.ts';
import { readStage } from './support/stage-files.ts';
import { changesInKafka, changesInStage, runWorkload, Scenario, sleep, waitFor } from './support/scenario.ts';

const endpoints = inject('endpoints');
const TERMINATIONS = 12;

/**
 * The replication connection drops (failover, a network cut, wal_sender_timeout, an
 * administrator): the producer goes on, reconnects, and must resume after what it already
 * handed to Kafka, not at the last position PostgreSQL confirmed (one or two Kafka transactions
 * may still be committing then): every committed change exactly once.
 */
describe('the walsender terminated again and again while four writers commit', () => {
  const scenario = new Scenario('walsender', endpoints);
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(200));

  const activePid = async () =>
    (await scenario.sql<{ pid: number | null }[]>`select active_pid as pid from pg_replication_slots where slot_name = ${scenario.slot}`)[0]?.pid ?? null;

  it('carries every committed version once into the topic and the stage, with one producer that never exits', async () => {
    const producer = scenario.producer('producer').start();
    const consumer = scenario.consumer('consumer').start();
    // Past the initial snapshot: every reconnect streams from the slot.
    await scenario.sql.unsafe(`insert into ${scenario.table} (name, price) values ('streaming', 0)`);
    await scenario.waitUntilKafkaMatchesPostgres();

    const writers = new AbortController();
    const writing = runWorkload(scenario.sql, scenario.table, { writers: 4, transactions: 1_000_000, signal: writers.signal });
    const pids: number[] = [];
    for (let k = 0; k < TERMINATIONS; k++) {
      const pid = await waitFor('the producer to stream from the slot', async () => {
        const p = await activePid();
        return p !== null && !pids.includes(p) ? p : undefined;
      }, 120_000, 50);
      await sleep(300 + Math.floor(Math.random() * 1200));
      await scenario.sql`select pg_terminate_backend(${pid})`;
      pids.push(pid);
    }
    writers.abort();
    const transactions = await writing;
    expect(producer.running).toBe(true);

    const [fence] = await scenario.sql.unsafe<{ id: number }[]>(`insert into ${scenario.table} (name, price) values ('fence', 0) returning id::int as id`);
    await waitFor(
      'the fence row in Kafka',
      async () => (changesInKafka(await readTopic(endpoints.brokers, scenario.topic, endpoints.registryUrl)).some((c) => c.id === fence?.id) ? true : undefined),
      180_000,
      1_000,
    );
    const records = await scenario.waitUntilStageHoldsKafka();
    // The same change (transaction and key) twice: what a re-decoded transaction leaves behind.
    const twice = (changes: readonly CarriedChange[]) => {
      const seen = new Map<string, number>();
      for (const c of changes) {
        const k = `${c.lsn}:${c.id}:${c.op}:${JSON.stringify(c.fields)}`;
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }
      return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
    };
    const dupInTopic = twice(changesInKafka(records));
    const dupInStage = twice(changesInStage(readStage(scenario.stageDir, scenario.topic).lines));
    process.stdout.write(
      `[e2e] walsender: ${pids.length} walsenders terminated; ${transactions} transactions; ` +
        `changes twice in topic ${dupInTopic.length} [${dupInTopic.slice(0, 5).join(' ')}], in stage ${dupInStage.length}\n`,
    );
    const report = await scenario.verifyExactlyOnce();
    process.stdout.write(`[e2e] walsender: ${JSON.stringify(report)}\n`);
    expect(transactions).toBeGreaterThan(500);
    expect(pids.length).toBe(TERMINATIONS);
    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  });
});

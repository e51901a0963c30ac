import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from './support/kafka-topic.ts';
import { readStage } from './support/stage-files.ts';
import { changesInKafka, changesInStage, runPairedInserts, Scenario, sleep, waitFor } from './support/scenario.ts';

const endpoints = inject('endpoints');

/**
 * Two commits side by side in the WAL: when the slot is confirmed one byte past the first one's
 * end, PostgreSQL skips the second on the next start if it was not yet in Kafka. Kill the
 * producer often enough while writers commit in pairs and some pair is split that way.
 */
describe.each([
  { label: 'default batch size', name: 'paired', extra: {} as Record<string, string>, kills: 8 },
  { label: 'POLL_BATCH_SIZE=1', name: 'paired1', extra: { POLL_BATCH_SIZE: '1' }, kills: 8 },
])('SIGKILL of the producer again and again while two writers commit in pairs ($label)', ({ name, extra, kills }) => {
  const scenario = new Scenario(name, endpoints);
  // The producer's own default batch size, unless the variant sets one.
  const settings = { POLL_BATCH_SIZE: '2000', ...extra };
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(10));

  const activePid = async () =>
    (await scenario.sql<{ pid: number | null }[]>`select active_pid as pid from pg_replication_slots where slot_name = ${scenario.slot}`)[0]?.pid ?? null;
  const confirmed = async () =>
    (await scenario.sql<{ lsn: string | null }[]>`select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = ${scenario.slot}`)[0]?.lsn ?? null;

  it('finds every inserted row in the topic and in the stage, exactly once', async () => {
    const consumer = scenario.consumer('consumer').start();
    // Past the initial snapshot first, so that every restart streams from the slot.
    let producer = scenario.producer('producer-0', settings).start();
    await scenario.sql.unsafe(`insert into ${scenario.table} (name, price) values ('streaming', 0)`);
    await scenario.waitUntilKafkaMatchesPostgres();

    const writers = new AbortController();
    // Three rows a transaction: a full batch of 2,000 records then holds 667 transactions, so
    // every other batch ends between the two commits of a pair.
    const writing = runPairedInserts(scenario.sql, scenario.table, { signal: writers.signal, rowsPerTransaction: 3 });
    const delays: number[] = [];
    const timing: string[] = [];
    for (let k = 1; k <= kills; k++) {
      const t0 = Date.now();
      await waitFor('the producer to stream from the slot', async () => ((await activePid()) !== null ? true : undefined), 60_000, 50);
      const t1 = Date.now();
      const delay = 200 + Math.floor(Math.random() * 1800);
      delays.push(delay);
      await sleep(delay);
      // Then the moment PostgreSQL is told a batch is in Kafka: the next one is not yet.
      const before = await confirmed();
      await waitFor('the slot to be confirmed further', async () => ((await confirmed()) !== before ? true : undefined), 3_000, 10).catch(() => undefined);
      await producer.kill9();
      const t2 = Date.now();
      await waitFor('PostgreSQL to release the slot', async () => ((await activePid()) === null ? true : undefined), 30_000, 50);
      timing.push(`${t1 - t0}+${t2 - t1}+${Date.now() - t2}`);
      producer = scenario.producer(`producer-${k}`, k === kills ? { POLL_BATCH_SIZE: '2000' } : settings).start();
    }
    process.stdout.write(`[e2e] ${name}: start+run+release ms ${timing.join(' ')}\n`);
    writers.abort();
    const inserted = await writing;

    // The last producer (default batch size, to catch up fast) runs to the end: once the fence
    // row is in Kafka, so is every earlier commit it will ever carry.
    const [fence] = await scenario.sql.unsafe<{ id: number }[]>(`insert into ${scenario.table} (name, price) values ('fence', 0) returning id::int as id`);
    await waitFor(
      'the fence row in Kafka',
      async () => (changesInKafka(await readTopic(endpoints.brokers, scenario.topic, endpoints.registryUrl)).some((c) => c.id === fence?.id) ? true : undefined),
      120_000,
      1_000,
    );
    const records = await scenario.waitUntilStageHoldsKafka();

    const count = (ids: (number | undefined)[]) => {
      const n = new Map<number, number>();
      for (const id of ids) if (id !== undefined) n.set(id, (n.get(id) ?? 0) + 1);
      return n;
    };
    // An insert arrives as a create, or as a snapshot read when it committed before the slot existed.
    const inserts = (c: { op: string }) => c.op === 'c' || c.op === 'r';
    const inTopic = count(changesInKafka(records).filter(inserts).map((c) => c.id));
    const inStage = count(changesInStage(readStage(scenario.stageDir, scenario.topic).lines).filter(inserts).map((c) => c.id));
    const found = {
      missingInTopic: inserted.filter((id) => !inTopic.has(id)),
      twiceInTopic: inserted.filter((id) => (inTopic.get(id) ?? 0) > 1),
      missingInStage: inserted.filter((id) => !inStage.has(id)),
      twiceInStage: inserted.filter((id) => (inStage.get(id) ?? 0) > 1),
    };
    process.stdout.write(
      `[e2e] ${name}: ${kills} kills after ${delays.join(',')} ms; ${inserted.length} rows inserted; ` +
        `missing in topic ${found.missingInTopic.length} [${found.missingInTopic.slice(0, 20).join(',')}], twice ${found.twiceInTopic.length}; ` +
        `missing in stage ${found.missingInStage.length}, twice ${found.twiceInStage.length}\n`,
    );
    expect(inserted.length).toBeGreaterThan(1_000);
    expect(found).toEqual({ missingInTopic: [], twiceInTopic: [], missingInStage: [], twiceInStage: [] });
    await scenario.verifyExactlyOnce();
    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  });
});

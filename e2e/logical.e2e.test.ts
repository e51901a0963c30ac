import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from './support/kafka-topic.ts';
import { readStage } from './support/stage-files.ts';
import { runWorkload, Scenario, sleep, waitFor } from './support/scenario.ts';

const endpoints = inject('endpoints');

describe('log-based capture: deletes, schema changes, heartbeats', () => {
  const scenario = new Scenario('logical', endpoints);
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(1_000));

  it('captures deletes with their before-image and a tombstone, and follows ADD/DROP COLUMN while streaming', async () => {
    const producer = scenario.producer().start();
    const consumer = scenario.consumer('consumer').start();
    await scenario.waitUntilStageMatchesPostgres();

    await scenario.sql.unsafe(`delete from ${scenario.table} where id % 20 = 0`);
    await scenario.sql.unsafe(`update ${scenario.table} set price = 0.01 where id % 20 = 1`);
    await scenario.waitUntilStageMatchesPostgres();

    const records = await readTopic(endpoints.brokers, scenario.topic, endpoints.registryUrl);
    const deletes = records.filter((r) => (r.value as { op?: string } | null)?.op === 'd');
    expect(deletes).toHaveLength(50);
    const before = (deletes[0]?.value as { before: { name: string | null; price: string | null } }).before;
    expect(before.name).toMatch(/^product /); // REPLICA IDENTITY FULL: the whole old row
    expect(before.price).not.toBeNull();
    const tombstones = records.filter((r) => r.value === null && !r.undecodable);
    expect(tombstones.map((t) => JSON.stringify(t.key)).sort()).toEqual(deletes.map((d) => JSON.stringify(d.key)).sort());
    // Each tombstone follows its delete in the same partition.
    for (const d of deletes) expect(tombstones.some((t) => t.partition === d.partition && t.offset > d.offset && JSON.stringify(t.key) === JSON.stringify(d.key))).toBe(true);

    await scenario.sql.unsafe(`alter table ${scenario.table} add column color text`);
    await scenario.sql.unsafe(`update ${scenario.table} set color = 'red' where id between 1 and 10`);
    await scenario.sql.unsafe(`alter table ${scenario.table} add column stock integer not null default 7`);
    await scenario.sql.unsafe(`update ${scenario.table} set stock = 9 where id = 2`);
    await scenario.sql.unsafe(`alter table ${scenario.table} drop column color`);
    await scenario.sql.unsafe(`update ${scenario.table} set name = 'after drop' where id = 3`);
    await scenario.waitUntilStageMatchesPostgres();
    const lines = readStage(scenario.stageDir, scenario.topic).lines as unknown as Record<string, unknown>[];
    const red = lines.filter((l) => l.color === 'red');
    expect([...new Set(red.map((l) => Number(l.id)))].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(lines.find((l) => l.id === 2 && l.stock === 9)).toBeDefined();
    const afterDrop = lines.find((l) => l.name === 'after drop');
    expect(afterDrop?.stock).toBe(7);
    expect(afterDrop && 'color' in afterDrop).toBe(false);
    const versions = await fetch(`${endpoints.registryUrl}/subjects/${scenario.topic}-value/versions`).then((r) => r.json() as Promise<number[]>);
    expect(versions.length).toBeGreaterThanOrEqual(3);
    expect(consumer.running).toBe(true);
    await scenario.verifyExactlyOnce();

    // A change the registry refuses under BACKWARD stops the producer before anything is produced with it.
    const before2 = (await readTopic(endpoints.brokers, scenario.topic)).length;
    await scenario.sql.unsafe(`alter table ${scenario.table} alter column name type integer using length(name)`);
    await scenario.sql.unsafe(`update ${scenario.table} set price = price + 1 where id = 5`);
    expect(await producer.wait(120_000)).toBe(1);
    expect((await readTopic(endpoints.brokers, scenario.topic)).length).toBe(before2);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(producer.logFile, 'utf8')).toMatch(/not compatible[^\n]*name/);
    expect(await consumer.terminate()).toBe(0);
  });
});

describe('log-based capture: kill -9 during the initial snapshot and while streaming', () => {
  const scenario = new Scenario('snapcrash', endpoints);
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(20_000));

  it('resumes the snapshot without starting over, with nothing lost or doubled', async () => {
    const consumer = scenario.consumer('consumer', 'stream', { FLUSH_RECORDS: '300' }).start();
    const workload = new AbortController();
    const writes = runWorkload(scenario.sql, scenario.table, { writers: 2, transactions: 100_000, signal: workload.signal });
    const slow = { SNAPSHOT_CHUNK_SIZE: '250', POLL_BATCH_SIZE: '250' };
    let producer = scenario.producer('producer-1', slow).start();
    await waitFor('the first snapshot files', () => (readStage(scenario.stageDir, scenario.topic).files.length >= 2 ? true : undefined), 120_000, 100);
    await producer.kill9();
    const partial = readStage(scenario.stageDir, scenario.topic).lines.length;
    producer = scenario.producer('producer-2', slow).start();
    await sleep(4_000);
    await producer.kill9();
    producer = scenario.producer('producer-3').start();
    await sleep(2_000);
    workload.abort();
    await writes;
    await scenario.waitUntilStageMatchesPostgres();
    const report = await scenario.verifyExactlyOnce();
    process.stdout.write(`[e2e] snapshot crash: killed after ${partial} stage lines; ${JSON.stringify(report)}\n`);
    expect(partial).toBeLessThan(20_000);
    // Resumed, not restarted: the snapshot's rows were read once, plus what changed meanwhile.
    const lines = readStage(scenario.stageDir, scenario.topic).lines;
    const snapshotReads = new Map<number, number>();
    for (const l of lines) if (l.__op === 'r') snapshotReads.set(l.id, (snapshotReads.get(l.id) ?? 0) + 1);
    expect([...snapshotReads.values()].every((n) => n === 1)).toBe(true);
    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  });
});

describe('log-based capture: slot guardrails', () => {
  const scenario = new Scenario('slot', endpoints);
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(200));

  it('heartbeats advance an idle slot while other tables churn; a lost slot stops the producer until resnapshot', async () => {
    let producer = scenario.producer('producer-1', { HEARTBEAT_INTERVAL_MS: '500' }).start();
    const consumer = scenario.consumer('consumer').start();
    await scenario.waitUntilStageMatchesPostgres();
    const confirmed = async () =>
      (await scenario.sql<{ lsn: string }[]>`select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = ${scenario.slot}`)[0]?.lsn ?? '0/0';
    const toBig = (lsn: string) => {
      const [hi = '0', lo = '0'] = lsn.split('/');
      return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
    };
    await scenario.sql.unsafe(`create table "${scenario.schema}".churn (id serial primary key, pad text)`);
    const start = toBig(await confirmed());
    await scenario.sql.unsafe(`insert into "${scenario.schema}".churn (pad) select repeat('x', 500) from generate_series(1, 5000)`);
    const walAfterChurn = toBig((await scenario.sql<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`)[0]?.lsn ?? '0/0');
    await waitFor('the slot to move past the churn', async () => (toBig(await confirmed()) >= walAfterChurn ? true : undefined), 60_000, 500);
    expect(toBig(await confirmed())).toBeGreaterThan(start);

    expect(await producer.terminate()).toBe(0);
    await scenario.sql`select pg_drop_replication_slot(${scenario.slot})`;
    await scenario.sql.unsafe(`update ${scenario.table} set price = 1 where id = 1`);
    const lost = scenario.producer('producer-lost').start();
    expect(await lost.wait(60_000)).toBe(1);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(lost.logFile, 'utf8')).toMatch(/resnapshot/);

    expect(await scenario.producer('resnapshot', {}, ['resnapshot']).start().wait(60_000)).toBe(0);
    producer = scenario.producer('producer-2').start();
    await scenario.waitUntilStageMatchesPostgres();
    await scenario.verifyExactlyOnce();
    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  });
});

import { afterAll, describe, expect, inject, it } from 'vitest';
import { type ReconcileRun, runReconcile } from './support/reconcile.ts';
import { readStage } from './support/stage-files.ts';
import { Scenario, sleep, waitFor } from './support/scenario.ts';

const endpoints = inject('endpoints');

/** Reconciles until the stage equals PostgreSQL or the time is up; the last run either way. */
async function reconcileUntilEqual(scenario: Scenario, extra: Record<string, string> = {}, timeoutMs = 120_000): Promise<ReconcileRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await runReconcile(scenario, extra);
    if (run.code === 0 || Date.now() > deadline) return run;
    await sleep(1_000);
  }
}

describe('a table removed from the capture and added back', () => {
  const scenario = new Scenario('readd', endpoints);
  afterAll(() => scenario.cleanup());

  it('is snapshotted again: what changed while it was left out (updates, deletes, an insert) reaches the stage', async () => {
    const { schema, sql } = scenario;
    await sql.unsafe(`create schema "${schema}"`);
    for (const t of ['a', 'b']) {
      await sql.unsafe(`create table "${schema}".${t} (id int primary key, v int)`);
      await sql.unsafe(`insert into "${schema}".${t} select g, g from generate_series(1, 200) g`);
    }
    const topic = (t: string) => `e2e.${scenario.id}.${t}`;
    const capture = (tables: string[]) => ({ PG_TABLE: tables.map((t) => `${schema}.${t}`).join(','), TOPIC: `e2e.${scenario.id}.{table}` });
    const ofTable = (t: string) => ({ PG_TABLE: `${schema}.${t}`, TOPIC: topic(t) });
    const consumer = scenario.consumer('consumer', 'stream', { TOPIC: `${topic('a')},${topic('b')}` }).start();

    const both = scenario.producer('producer-ab', capture(['a', 'b'])).start();
    expect((await reconcileUntilEqual(scenario, ofTable('b'))).code).toBe(0);
    expect(await both.terminate()).toBe(0);

    const onlyA = scenario.producer('producer-a', capture(['a'])).start();
    await sql.unsafe(`update "${schema}".b set v = v + 1000 where id <= 10`);
    await sql.unsafe(`delete from "${schema}".b where id > 190`);
    await sql.unsafe(`insert into "${schema}".b values (201, 201)`);
    await sql.unsafe(`update "${schema}".a set v = -1 where id = 1`);
    expect((await reconcileUntilEqual(scenario, ofTable('a'))).code).toBe(0);
    expect(await onlyA.terminate()).toBe(0);

    const again = scenario.producer('producer-ab-again', capture(['a', 'b'])).start();
    const b = await reconcileUntilEqual(scenario, ofTable('b'), 90_000);
    expect(b.report?.counts).toEqual({ missing: 0, extra: 0, differing: 0 });
    expect(b.code).toBe(0);
    expect((await runReconcile(scenario, ofTable('a'))).code).toBe(0);
    expect(await again.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  });
});

describe('an update that moves a key across a resumed snapshot', () => {
  const scenario = new Scenario('moved', endpoints);
  afterAll(() => scenario.cleanup());

  it('leaves no ghost row: the producer killed mid-snapshot, keys moved both ways while it was down', async () => {
    await scenario.seed(20_000);
    const consumer = scenario.consumer('consumer').start();
    // Small chunks, one Kafka transaction each: the snapshot lasts long enough to be killed in.
    const chunks = { SNAPSHOT_CHUNK_SIZE: '10' };
    const first = scenario.producer('producer-1', chunks).start();
    await waitFor('part of the snapshot in the stage', () => (readStage(scenario.stageDir, scenario.topic).lines.length >= 2_000 ? true : undefined), 90_000, 200);
    await first.kill9();
    const lines = readStage(scenario.stageDir, scenario.topic).lines.length;
    expect(lines).toBeLessThan(20_000);
    const { sql, table } = scenario;
    await sql.unsafe(`update ${table} set id = 90000000 where id = 10`); // from the read range into the unread one
    await sql.unsafe(`delete from ${table} where id = 5`);
    await sql.unsafe(`update ${table} set id = 5 where id = 19990`); // the other way
    const again = scenario.producer('producer-2', chunks).start();
    const run = await reconcileUntilEqual(scenario, {}, 180_000);
    expect(run.report?.counts).toEqual({ missing: 0, extra: 0, differing: 0 });
    expect(run.code).toBe(0);
    expect(await again.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from './support/kafka-topic.ts';
import { readStage } from './support/stage-files.ts';
import { Scenario, waitFor } from './support/scenario.ts';

const endpoints = inject('endpoints');

type Change = { op: string; after: Record<string, unknown> | null; before: Record<string, unknown> | null };
type Line = Record<string, unknown> & { __op: string; __kafka: { offset: number; partition: number } };

async function changes(scenario: Scenario, topic = scenario.topic): Promise<Change[]> {
  const records = await readTopic(endpoints.brokers, topic, endpoints.registryUrl);
  return records.filter((r) => r.value !== null).map((r) => r.value as Change);
}

/** Edges of log-based capture, each with the producer stopped or restarted at the moment that matters. */
describe('log-based capture at the edges', () => {
  const scenario = new Scenario('edges', endpoints);
  const t = `"${scenario.schema}".edge`;
  const producerEnv = { PG_TABLE: `${scenario.schema}.edge` };
  afterAll(() => scenario.cleanup());
  beforeAll(async () => {
    await scenario.sql.unsafe(`create schema "${scenario.schema}"`);
    await scenario.sql.unsafe(`create table ${t} (id int primary key, label text, c_real real, c_double double precision, c_time time, c_date date)`);
    await scenario.sql.unsafe(`alter table ${t} replica identity full`);
    await scenario.sql.unsafe(`insert into ${t} (id, label) values (1, 'snapshot row')`);
  });

  it('stores the end of the snapshot at once: rows written while the producer is stopped right after it arrive as changes (c), not as snapshot reads', async () => {
    const producer = scenario.producer('producer-1', producerEnv).start();
    await waitFor('the snapshot row in Kafka', async () => ((await changes(scenario)).some((c) => c.op === 'r') ? true : undefined), 60_000, 500);
    expect(await producer.terminate()).toBe(0);
    await scenario.sql.unsafe(`insert into ${t} (id, label) values (2, 'written while stopped')`);
    const again = scenario.producer('producer-2', producerEnv).start();
    const got = await waitFor('row 2 in Kafka', async () => {
      const row = (await changes(scenario)).find((c) => c.after?.id === 2);
      return row;
    }, 60_000, 500);
    expect(got.op).toBe('c');
    expect((await changes(scenario)).filter((c) => c.op === 'r').map((c) => c.after?.id)).toEqual([1]);
    expect(await again.terminate()).toBe(0);
  });

  it('decodes rows with the columns they were written with: a column dropped (or retyped) while the producer was stopped is still in the rows written before', async () => {
    await scenario.sql.unsafe(`alter table ${t} add column color text`);
    await scenario.sql.unsafe(`insert into ${t} (id, label, color) values (3, 'red one', 'red')`);
    await scenario.sql.unsafe(`alter table ${t} drop column color`);
    await scenario.sql.unsafe(`insert into ${t} (id, label) values (4, 'after the drop')`);
    // A (compatible) type change while the producer lags: the older row keeps its old type and is not dead-lettered.
    await scenario.sql.unsafe(`insert into ${t} (id, label) values (5, 'before size')`);
    await scenario.sql.unsafe(`alter table ${t} add column size integer`);
    await scenario.sql.unsafe(`insert into ${t} (id, label, size) values (6, 'typed', 42)`);
    await scenario.sql.unsafe(`alter table ${t} alter column size type bigint`);
    await scenario.sql.unsafe(`insert into ${t} (id, label, size) values (7, 'retyped', 1099511627776)`);
    const producer = scenario.producer('producer-3', producerEnv).start();
    const all = await waitFor('rows 3..7 in Kafka', async () => {
      const c = await changes(scenario);
      return [3, 4, 5, 6, 7].every((id) => c.some((x) => x.after?.id === id)) ? c : undefined;
    }, 90_000, 500);
    const row = (id: number) => all.find((c) => c.after?.id === id)?.after;
    expect(row(3)).toMatchObject({ id: 3, color: 'red' });
    expect(row(4)).not.toHaveProperty('color');
    expect(row(6)).toMatchObject({ id: 6, size: 42 });
    expect(row(7)).toMatchObject({ id: 7, size: 1_099_511_627_776 });
    const dead = await readTopic(endpoints.brokers, `${scenario.topic}.source-dlq`).catch(() => []);
    expect(dead).toEqual([]);
    expect(await producer.terminate()).toBe(0);
  });

  it('carries NaN, infinities, time 24:00, dates past 9999 and BC dates exactly to the stage, and dead-letters the one value refused (a timestamp past 294247) naming the column', async () => {
    await scenario.sql.unsafe(`alter table ${t} add column c_ts timestamptz`);
    const producer = scenario.producer('producer-4', producerEnv).start();
    const consumer = scenario.consumer('consumer').start();
    await scenario.sql.unsafe(`insert into ${t} (id, c_real, c_double, c_time, c_date) values
      (10, 'NaN', 'Infinity', '24:00', '10000-01-01'), (11, '-Infinity', 'NaN', '23:59:59.999999', '275759-12-31')`);
    await scenario.sql.unsafe(`insert into ${t} (id, c_date) values (12, '0044-03-15 BC')`);
    // Its µs since 1970 would be past the int64 that infinity is carried as: the one refusal.
    await scenario.sql.unsafe(`insert into ${t} (id, c_ts) values (14, '294270-01-01 00:00:00+00')`);
    await scenario.sql.unsafe(`insert into ${t} (id, label) values (13, 'after the bad one')`);
    const expected = await scenario.sql.unsafe<{ id: number; row: Record<string, unknown> }[]>(`
      select id, json_build_object('c_real', c_real, 'c_double', c_double, 'c_time', c_time::text || '.000000', 'c_date', c_date::text) as row
        from ${t} where id in (10, 11, 12) order by id`);
    const lines = await waitFor('rows 10, 11, 12 and 13 in the stage', () => {
      const got = readStage(scenario.stageDir, scenario.topic).lines as unknown as Line[];
      return [10, 11, 12, 13].every((id) => got.some((l) => l.id === id)) ? got : undefined;
    }, 90_000, 500);
    for (const { id, row } of expected) {
      const line = lines.find((l) => l.id === id) as Line;
      const want = { ...row, c_time: row.c_time === null ? null : String(row.c_time).replace(/(\.\d{6})\.000000$/, '$1') };
      expect(Object.fromEntries(Object.keys(want).map((k) => [k, line[k]])), `row ${id}`).toEqual(want);
    }
    expect(lines.find((l) => l.id === 12)?.c_date).toBe('0044-03-15 BC');
    const dead = await readTopic(endpoints.brokers, `${scenario.topic}.source-dlq`);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.headers['dlq.error.message']).toMatch(/c_ts/);
    expect(lines.some((l) => l.id === 14)).toBe(false);
    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  });
});

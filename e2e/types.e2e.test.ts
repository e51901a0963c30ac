import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from './support/kafka-topic.ts';
import { readStage } from './support/stage-files.ts';
import { Scenario, waitFor } from './support/scenario.ts';

const endpoints = inject('endpoints');

/** Every column type, through PostgreSQL → pgoutput → Avro → Kafka → JSON stage, compared with PostgreSQL's own rendering. */
describe('lossless types through the whole pipeline (log-based capture)', () => {
  const scenario = new Scenario('types', endpoints);
  const zoo = `"${scenario.schema}".zoo`;
  afterAll(() => scenario.cleanup());

  beforeAll(async () => {
    await scenario.sql.unsafe(`create schema "${scenario.schema}"`);
    await scenario.sql.unsafe(`create type "${scenario.schema}".mood as enum ('sad', 'ok', 'happy')`);
    await scenario.sql.unsafe(`
      create table ${zoo} (
        id bigint primary key,
        c_smallint smallint, c_int integer, c_bigint bigint,
        c_num numeric(12,4), c_num_free numeric,
        c_real real, c_double double precision, c_bool boolean,
        c_text text, c_varchar varchar(20), c_char char(5),
        c_date date, c_time time, c_ts timestamp, c_tstz timestamptz,
        c_uuid uuid, c_json json, c_jsonb jsonb, c_bytea bytea, c_enum "${scenario.schema}".mood,
        c_int_arr integer[], c_text_arr text[], c_big_text text)`);
    await scenario.sql.unsafe(`alter table ${zoo} replica identity full`);
    // Rows that exist before capture starts: they travel as snapshot reads.
    await scenario.sql.unsafe(`
      insert into ${zoo} values
        (1, 0, 0, 0, 0, 0, 0, 0, false, '', '', '', '1970-01-01', '00:00:00', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00',
         '00000000-0000-0000-0000-000000000000', '{}', '{}', '\\x', 'sad', '{}', '{}', ''),
        (2, -32768, -2147483648, -4503599627370495, -99999999.9999, -123456789012345678901234567890.123456789, -1.5, -2.2250738585072014e-308, true,
         'Ünïcode ☃ "quotes" \\ back', 'x', 'ab', '0001-01-01', '23:59:59.999999', '1969-12-31 23:59:59.999999', '1960-06-15 12:00:00.000001+05:30',
         'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": 1, "a": [1, 2.50]}', '{"b": 1, "a": [1, 2.50]}', '\\x00ff10', 'happy',
         '{1,NULL,-3}', '{"a b",NULL,"c,d","é"}', repeat('big', 3))`);
    await scenario.sql.unsafe(`insert into ${zoo} (id) values (3)`);
  });

  it('carries every type exactly, including NULL vs empty, edges, micro-seconds and unchanged TOASTed values', async () => {
    const producer = scenario.producer('producer', { PG_TABLE: `${scenario.schema}.zoo` }).start();
    const consumer = scenario.consumer('consumer').start();
    // Changes while streaming: inserts, an update that leaves a TOASTed value unchanged.
    const bigText = (await scenario.sql<{ t: string }[]>`select string_agg(md5(g::text), '') as t from generate_series(1, 400) g`)[0]?.t ?? '';
    await scenario.sql.unsafe(`
      insert into ${zoo} (id, c_int, c_num, c_num_free, c_real, c_double, c_tstz, c_ts, c_time, c_date, c_big_text, c_text_arr)
      values (4, 2147483647, 99999999.9999, 0.000000000000000000001, 0.1, 3.141592653589793, '2112-09-17 23:53:47.370495+00',
              '2038-01-19 03:14:08.123456', '12:34:56.5', '9999-12-31', $1, '{"{braces}","back\\\\slash"}')`, [bigText]);
    await scenario.sql.unsafe(`update ${zoo} set c_int = 42 where id = 4`); // c_big_text is TOASTed and unchanged
    await scenario.sql.unsafe(`update ${zoo} set c_text = null, c_varchar = '' where id = 2`);

    const expected = await scenario.sql.unsafe<{ id: number; row: Record<string, unknown> }[]>(`
      select id::int as id, json_build_object(
        'id', id, 'c_smallint', c_smallint, 'c_int', c_int, 'c_bigint', c_bigint,
        'c_num', c_num::text, 'c_num_free', c_num_free::text,
        'c_real', c_real, 'c_double', c_double, 'c_bool', c_bool,
        'c_text', c_text, 'c_varchar', c_varchar, 'c_char', c_char,
        'c_date', c_date::text,
        'c_time', to_char('2000-01-01'::date + c_time, 'HH24:MI:SS.US'),
        'c_ts', to_char(c_ts, 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        'c_tstz', to_char(c_tstz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'c_uuid', c_uuid::text, 'c_json', c_json::text, 'c_jsonb', c_jsonb::text,
        'c_bytea', c_bytea::text, 'c_enum', c_enum::text,
        'c_int_arr', to_json(c_int_arr), 'c_text_arr', to_json(c_text_arr), 'c_big_text', c_big_text) as row
      from ${zoo} order by id`);

    const latest = await waitFor(
      'the stage to hold the final version of all four rows',
      () => {
        const lines = readStage(scenario.stageDir, scenario.topic).lines as unknown as Record<string, unknown>[];
        const byId = new Map<number, Record<string, unknown>>();
        for (const l of lines.sort((a, b) => (a.__kafka as { offset: number }).offset - (b.__kafka as { offset: number }).offset)) byId.set(l.id as number, l);
        const done = byId.get(4)?.c_int === 42 && byId.get(2)?.c_varchar === '' && byId.size === 4;
        return done ? byId : undefined;
      },
      120_000,
    );
    for (const { id, row } of expected) {
      const line = latest.get(id) as Record<string, unknown>;
      const got = Object.fromEntries(Object.keys(row).map((k) => [k, line[k]]));
      expect(got, `row ${id}`).toEqual(row);
    }
    expect(latest.get(4)?.c_big_text).toBe(bigText);

    // The schema is the contract: exact Avro types for the columns.
    const subject = await fetch(`${endpoints.registryUrl}/subjects/${scenario.topic}-value/versions/latest`).then((r) => r.json() as Promise<{ schema: string }>);
    const text = subject.schema;
    expect(text).toContain('"logicalType":"decimal","precision":12,"scale":4');
    expect(text).toContain('"logicalType":"timestamp-micros"');
    expect(text).toContain('"logicalType":"local-timestamp-micros"');
    expect(text).toContain('"logicalType":"date"');
    expect(text).toContain('"logicalType":"time-micros"');
    expect(text).toContain('"logicalType":"uuid"');

    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  });

  it('dead-letters a row whose value has no exact representation, naming the column, and goes on', async () => {
    const producer = scenario.producer('producer-2', { PG_TABLE: `${scenario.schema}.zoo` }).start();
    // The one value refused: a timestamp whose µs since 1970 reach int64's maximum (infinity's sentinel).
    await scenario.sql.unsafe(`insert into ${zoo} (id, c_ts) values (5, '294276-12-31 23:59:59')`);
    await scenario.sql.unsafe(`insert into ${zoo} (id, c_bigint) values (6, 1)`);
    const dead = await waitFor(
      'the source dead-letter record',
      async () => {
        const records = await readTopic(endpoints.brokers, `${scenario.topic}.source-dlq`).catch(() => []);
        return records.length > 0 ? records : undefined;
      },
      60_000,
      1000,
    );
    expect(dead[0]?.headers['dlq.error.message']).toMatch(/c_ts: timestamp: "294276-12-31 23:59:59" is past 294247-01-10/);
    await waitFor('row 6 in Kafka', async () => {
      const records = await readTopic(endpoints.brokers, scenario.topic, endpoints.registryUrl);
      return records.some((r) => (r.value as { after?: { id?: number } } | null)?.after?.id === 6) ? true : undefined;
    });
    expect(await producer.terminate()).toBe(0);
  });
});

import { parseConfig, type SourceRecord } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask } from './replication-task.ts';
import { postgresSourceConfigSchema } from '../config.ts';
import { SnapshotKeys } from './snapshot-keys.ts';
import type { TableOffset } from './offsets.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_keys_${process.pid}_${Date.now() % 100000}`;
// The task's own session settings, so PostgreSQL prints keys as the task reads them.
const sql = postgres(url, { max: 3, onnotice: () => undefined, connection: { TimeZone: 'UTC', DateStyle: 'ISO', extra_float_digits: '3' } });

const TEXTS = ['a', 'A', 'b', 'B', 'ab', 'aB', 'Ab', 'a b', 'a-b', '', ' ', 'z', 'Z', 'é', 'É', 'e', 'ä', 'ß', 'ss', 'ø', 'ﬁ', 'fi', '日本', 'Ωmega', "it's", '10', '9', '_x', '~', 'ʼn'];

/** Per key type: the column type and the values inserted (as SQL literals of that type). */
const TABLES: Record<string, { type: string; values: string[] }> = {
  uuid: { type: 'uuid', values: Array.from({ length: 40 }, () => 'gen_random_uuid()') },
  text: { type: 'text', values: TEXTS.map(lit) },
  text_icu: { type: 'text collate "en-x-icu"', values: TEXTS.map(lit) },
  varchar_c: { type: 'varchar(20) collate "C"', values: TEXTS.map(lit) },
  bpchar: { type: 'char(4)', values: ['a', 'a b', 'A', 'ab', 'b', 'é', '9', '10', ' x'].map(lit) },
  numeric: { type: 'numeric', values: ['-1.5', '0', '1.5', '9', '10', '100000000000000000000.000001', '0.000001', '-0.0000001', "'Infinity'", "'-Infinity'", "'NaN'", '2', '1.25'] },
  numeric_scaled: { type: 'numeric(12,2)', values: ['-1.5', '0', '1.5', '9', '10', '0.01', '-0.01', '1234567890.12'] },
  date: { type: 'date', values: ["'2024-01-01'", "'1999-12-31'", "'2000-01-01'", "'1970-01-01'", "'2024-02-29'", "'1900-03-01'", "'2100-12-31'", "'0099-06-01'", "'4713-01-01 BC'", "'0001-12-31 BC'", "'10000-01-01'", "'infinity'", "'-infinity'"] },
  timestamp: {
    type: 'timestamp',
    values: ["'2024-01-01 00:00:00'", "'2024-01-01 00:00:00.000001'", "'2023-12-31 23:59:59.999999'", "'2024-01-01 10:00:00'", "'1999-01-01 09:30:00.5'", "'2024-01-01 09:00:00'"],
  },
  timestamptz: {
    type: 'timestamptz',
    values: [
      "'2024-01-01 00:00:00+00'",
      "'2024-01-01 00:00:00.000001+00'",
      "'2023-12-31 23:59:59.999999+00'",
      "'2024-01-01 01:00:00+02'",
      "'2024-01-01 00:30:00-05:30'",
      "'1999-01-01 09:30:00.5+00'",
      "'2024-01-01 09:00:00+08'",
      "'0001-01-01 00:00:00+00 BC'",
      "'infinity'",
    ],
  },
};

function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function task(name: string, chunk: number) {
  const config = parseConfig(postgresSourceConfigSchema, {
    mode: 'logical',
    url,
    tables: [`${id}.${name}`],
    topicTemplate: 't',
    slot: `${id}_${name}`,
    publication: `${id}_${name}`,
    snapshotChunkSize: chunk,
    pollIntervalMs: 50,
  });
  return new LogicalReplicationTask(config, noopContext());
}

/** Polls until the snapshot ends (the first poll that returns no snapshot read); returns the reads. */
async function snapshot(t: LogicalReplicationTask): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for (let polls = 0; polls < 10_000; polls++) {
    const batch = (await t.poll(new AbortController().signal)).filter((r) => (r.value as { op?: string } | null)?.op === 'r' || r.failure);
    if (batch.length === 0) return out;
    out.push(...batch);
  }
  throw new Error('the snapshot did not end');
}

const lastKey = (r: SourceRecord) => (r.sourceOffset as TableOffset).last_key;

beforeAll(async () => {
  await sql.unsafe(`create schema "${id}"`);
  for (const [name, { type, values }] of Object.entries(TABLES)) {
    await sql.unsafe(`create table "${id}".${name} (id ${type} primary key, n int)`);
    await sql.unsafe(`insert into "${id}".${name} (id, n) values ${values.map((v, i) => `(${v}, ${i})`).join(', ')}`);
  }
});

afterAll(async () => {
  await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name like ${`${id}%`} and not active`.catch(() => undefined);
  for (const name of [...Object.keys(TABLES), 'big', 'resumed']) await sql.unsafe(`drop publication if exists "${id}_${name}"`);
  await sql.unsafe(`drop schema if exists "${id}" cascade`);
  await sql.end();
});

describe('initial snapshot of non-integer keys', () => {
  for (const [name, { type }] of Object.entries(TABLES)) {
    it(`reads every row of a table keyed by ${type} exactly once, in the key's order, in chunks`, async () => {
      const expected = (await sql.unsafe<{ k: string }[]>(`select concat(id) as k from "${id}".${name} order by id`)).map((r) => r.k);
      const t = task(name, 3);
      try {
        await t.start(staticOffsets());
        const reads = await snapshot(t);
        expect(reads.map(lastKey)).toEqual(expected);
      } finally {
        await t.stop();
      }
    });
  }
});

describe('SnapshotKeys.compare', () => {
  for (const [name, { type }] of Object.entries(TABLES)) {
    it(`agrees with PostgreSQL's order of ${type}`, async () => {
      const pairs = await sql.unsafe<{ a: string; b: string; c: number }[]>(
        `select concat(x.id) as a, concat(y.id) as b, case when x.id < y.id then -1 when x.id > y.id then 1 else 0 end as c
           from "${id}".${name} x, "${id}".${name} y`,
      );
      const keys = new SnapshotKeys();
      const column = (await sql<{ typname: string }[]>`
        select t.typname::text from pg_attribute a join pg_type t on t.oid = a.atttypid
         where a.attrelid = ${`"${id}".${name}`}::regclass and a.attname = 'id'`)[0]?.typname as string;
      const key = { name: 'id', typeName: column, typeType: 'b', typeMod: -1, notNull: true, isKey: true };
      await keys.resolve(sql, id, name, key, pairs.map((p) => p.a), [...new Set(pairs.map((p) => p.b))]);
      expect(pairs.map((p) => Math.sign(keys.compare(key, p.a, p.b)))).toEqual(pairs.map((p) => p.c));
    });
  }
});

describe('snapshot chunk queries', () => {
  it('walk the primary key index, never scanning the table', async () => {
    const setup = await sql.reserve();
    try {
      await setup.unsafe(`create table "${id}".big (id text primary key, n int)`);
      await setup.unsafe(`insert into "${id}".big select md5(i::text) || 'É', i from generate_series(1, 20000) i`);
      await setup.unsafe(`analyze "${id}".big`);
      // Building the index scanned the table: flush that count, then start from zero.
      // pg_stat_force_next_flush() exists from PostgreSQL 15 on; before, the statistics collector
      // takes up to PGSTAT_STAT_INTERVAL (500 ms) to hear of the scan.
      const [v] = await setup<{ num: number }[]>`select current_setting('server_version_num')::int as num`;
      if ((v?.num ?? 0) >= 150000) await setup`select pg_stat_force_next_flush()`;
      else await setup`select pg_sleep(1)`;
      await setup`select 1`;
      await setup`select pg_stat_reset_single_table_counters(${`"${id}".big`}::regclass)`;
    } finally {
      setup.release();
    }
    const t = task('big', 500);
    try {
      await t.start(staticOffsets());
      const reads = await snapshot(t);
      expect(new Set(reads.map(lastKey)).size).toBe(20000);
    } finally {
      await t.stop();
    }
    // Statistics reach the shared counters when the reading backend goes idle.
    let stats: { seq_scan: string; idx_scan: string } | undefined;
    for (let i = 0; i < 100; i++) {
      await sql`select pg_stat_clear_snapshot()`;
      [stats] = await sql<{ seq_scan: string; idx_scan: string }[]>`
        select seq_scan::text, coalesce(idx_scan, 0)::text as idx_scan from pg_stat_user_tables where relid = ${`"${id}".big`}::regclass`;
      if (Number(stats?.idx_scan) >= 41) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(Number(stats?.idx_scan)).toBeGreaterThanOrEqual(41);
    expect(stats?.seq_scan).toBe('0');
  }, 60_000);
});

describe('a snapshot resumed after a crash', () => {
  it("drops the already-read changes of keys in its range by the key's collation, not by bytes", async () => {
    // en-x-icu orders a B c D e …; bytes order B D … a c …: D is after the resume point c
    // for the collation, before it for bytes.
    await sql.unsafe(`create table "${id}".resumed (id text collate "en-x-icu" primary key, n int)`);
    await sql.unsafe(`insert into "${id}".resumed (id, n) values ('a', 1), ('B', 1), ('c', 1), ('D', 1), ('e', 1), ('F', 1)`);
    const first = task('resumed', 3);
    await first.start(staticOffsets());
    const chunk = await first.poll(new AbortController().signal);
    expect(chunk.map(lastKey)).toEqual(['a', 'B', 'c']);
    const crashed = chunk.at(-1) as SourceRecord;
    await first.stop();

    // While the producer is down: one change below the resume point, one above it.
    await sql.unsafe(`update "${id}".resumed set n = 2 where id = 'a'`);
    await sql.unsafe(`update "${id}".resumed set n = 2 where id = 'D'`);
    const again = task('resumed', 3);
    await again.start(staticOffsets([[crashed.sourcePartition, crashed.sourceOffset]]));
    try {
      const rest = await snapshot(again);
      expect(rest.map((r) => [lastKey(r), (r.value as { after: { n: number } }).after.n])).toEqual([
        ['D', 2],
        ['e', 1],
        ['F', 1],
      ]);
      await sql.unsafe(`insert into "${id}".resumed (id, n) values ('zz', 3)`);
      const changes: [string, string, number][] = [];
      for (let polls = 0; polls < 400 && !changes.some(([, key]) => key === 'zz'); polls++) {
        for (const r of await again.poll(new AbortController().signal)) {
          const v = r.value as { op?: string; after?: { id: string; n: number } } | null;
          if (v?.op && v.after) changes.push([v.op, v.after.id, v.after.n]);
        }
      }
      // a's update was not in the first snapshot: it streams. D's is in the resumed one: dropped.
      expect(changes).toEqual([
        ['u', 'a', 2],
        ['c', 'zz', 3],
      ]);
    } finally {
      await again.stop();
    }
  }, 60_000);
});

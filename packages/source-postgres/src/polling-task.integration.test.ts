import { noopContext, parseConfig, type SourceRecord, staticOffsets } from '@buyonline/connect-api';
import type { ProductChange } from '@buyonline/schemas';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateProducts, PollingTask, postgresSourceConfigSchema } from './index.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const schema = `it_poll_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 4, onnotice: () => undefined });

function task(batchSize = 1000) {
  const config = parseConfig(postgresSourceConfigSchema, {
    url,
    table: `${schema}.products`,
    topic: 't',
    batchSize,
    pollIntervalMs: 10,
  });
  return new PollingTask(config, noopContext());
}

async function pollAll(t: PollingTask): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for (;;) {
    const batch = await t.poll(new AbortController().signal);
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

const after = (r: SourceRecord) => (r.value as ProductChange).after;

beforeAll(async () => {
  await migrateProducts(sql, schema, 'products');
});

afterAll(async () => {
  await sql.unsafe(`drop schema if exists "${schema}" cascade`);
  await sql.end();
});

describe('PollingTask against PostgreSQL', () => {
  it('reads existing rows as snapshot reads, then inserts and updates, with exact values', async () => {
    await sql.unsafe(`insert into "${schema}".products (name, category, price) values ('Ünïcode ☃', null, 0), ('b', '', -1.5), ('c', 'x', 9999999999.99)`);
    const t = task(2);
    await t.start(staticOffsets());
    const initial = await pollAll(t);
    expect(initial.map((r) => (r.value as ProductChange).op)).toEqual(['r', 'r', 'r']);
    expect(initial.map((r) => after(r)?.price)).toEqual(['0.00', '-1.50', '9999999999.99']);
    expect(initial.map((r) => after(r)?.name)).toEqual(['Ünïcode ☃', 'b', 'c']);
    expect(initial.map((r) => after(r)?.category)).toEqual([null, '', 'x']);

    const [row] = await sql.unsafe(`insert into "${schema}".products (name, price) values ('d', 1.01) returning (extract(epoch from updated_timestamp)*1000000)::int8::text as us`);
    await sql.unsafe(`update "${schema}".products set price = 2.02 where name = 'b'`);
    const changes = await pollAll(t);
    expect(changes.map((r) => [(r.value as ProductChange).op, after(r)?.name, after(r)?.price])).toEqual([
      ['c', 'd', '1.01'],
      ['u', 'b', '2.02'],
    ]);
    expect(after(changes[0] as SourceRecord)?.updated_timestamp).toBe(Number(row?.us));
    await t.stop();
  });

  it('does not skip a transaction that commits after a later one (out-of-order commit)', async () => {
    const t = task();
    await t.start(staticOffsets());
    await pollAll(t);

    const reserved = await sql.reserve();
    try {
      await reserved.unsafe('begin');
      // The long transaction writes first (older xid, older updated_timestamp)...
      await reserved.unsafe(`update "${schema}".products set price = 111.11 where name = 'c'`);
      // ...a later transaction writes and commits meanwhile...
      await sql.unsafe(`update "${schema}".products set price = 222.22 where name = 'd'`);
      // ...and the poller must hold back rather than step past the open transaction.
      const whileOpen = await pollAll(t);
      expect(whileOpen.map((r) => after(r)?.name)).toEqual([]);
      await reserved.unsafe('commit');
    } finally {
      reserved.release();
    }
    const afterCommit = await pollAll(t);
    expect(afterCommit.map((r) => [after(r)?.name, after(r)?.price])).toEqual([
      ['c', '111.11'],
      ['d', '222.22'],
    ]);
    await t.stop();
  });

  it('resumes from a stored position without re-reading', async () => {
    const first = task();
    await first.start(staticOffsets());
    const all = await pollAll(first);
    await first.stop();
    const last = all.at(-1) as SourceRecord;
    const resumed = task();
    await resumed.start({ offset: () => last.sourceOffset });
    expect(await pollAll(resumed)).toEqual([]);
    await sql.unsafe(`update "${schema}".products set name = 'e' where name = 'd'`);
    expect((await pollAll(resumed)).map((r) => after(r)?.name)).toEqual(['e']);
    await resumed.stop();
  });

  it('pages through a large transaction in key order without skipping or repeating (ids across digit counts)', async () => {
    const t = task(7);
    await t.start(staticOffsets());
    await pollAll(t);
    await sql.unsafe(`insert into "${schema}".products (name, price) select 'bulk ' || g, g from generate_series(1, 150) g`);
    const ids = (await pollAll(t)).map((r) => after(r)?.id as number);
    expect(ids.length).toBe(150);
    expect(new Set(ids).size).toBe(150);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    await t.stop();
  });

  it('names the missing migration when the table has no CDC columns', async () => {
    await sql.unsafe(`create table "${schema}".plain (id bigint primary key)`);
    const config = parseConfig(postgresSourceConfigSchema, { url, table: `${schema}.plain` });
    const t = new PollingTask(config, noopContext());
    await expect(t.start(staticOffsets())).rejects.toThrow(/lacks the CDC columns/);
    await t.stop();
  });
});

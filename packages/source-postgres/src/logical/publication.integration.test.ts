import { ConfigError, parseConfig } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask } from './replication-task.ts';
import { postgresSourceConfigSchema } from '../config.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_pub_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 2, onnotice: () => undefined });
const table = `"${id}".products`;
/** Row filters and column lists exist from PostgreSQL 15 on: on 14 no publication can have them. */
const [version] = await sql<{ num: number }[]>`select current_setting('server_version_num')::int as num`;
const hasRowFilters = (version?.num ?? 0) >= 150000;

function task(publication: string) {
  const config = parseConfig(postgresSourceConfigSchema, { mode: 'logical', url, tables: [`${id}.products`], topicTemplate: 't', slot: `${id}_slot`, publication, pollIntervalMs: 50 });
  return new LogicalReplicationTask(config, noopContext());
}

/** Starts a task on the publication; returns the error it refused with (undefined: it started). */
async function startError(publication: string): Promise<unknown> {
  const t = task(publication);
  try {
    await t.start(staticOffsets());
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await t.stop();
    await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${`${id}_slot`} and not active`;
  }
}

const publications: string[] = [];
async function publication(name: string, ddl: string): Promise<string> {
  const full = `${id}_${name}`;
  publications.push(full);
  await sql.unsafe(`create publication "${full}" ${ddl}`);
  return full;
}

beforeAll(async () => {
  await sql.unsafe(`create schema "${id}"`);
  await sql.unsafe(`create table ${table} (id bigint primary key, name text, price numeric)`);
  await sql.unsafe(`create table "${id}".other (id bigint primary key)`);
});

afterAll(async () => {
  for (const p of publications) await sql.unsafe(`drop publication if exists "${p}"`);
  await sql.unsafe(`drop schema if exists "${id}" cascade`);
  await sql.end();
});

describe('an existing publication', () => {
  it('that does not publish every operation is refused, naming what to change', async () => {
    for (const [name, publish, missing] of [
      ['no_delete', 'insert, update', 'delete'],
      ['no_truncate', 'insert, update, delete', 'truncate'],
      ['no_insert', 'update, delete, truncate', 'insert'],
    ] as const) {
      const p = await publication(name, `for table ${table} with (publish = '${publish}')`);
      const err = await startError(p);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(missing);
      expect((err as Error).message).toContain(`ALTER PUBLICATION "${p}" SET (publish = 'insert, update, delete, truncate')`);
    }
  });

  it.skipIf(!hasRowFilters)('with a row filter on the table is refused, naming the filter', async () => {
    const p = await publication('row_filter', `for table ${table} where (price > 10)`);
    const err = await startError(p);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/row filter.*price > /);
  });

  it.skipIf(!hasRowFilters)('with a column list on the table is refused', async () => {
    const p = await publication('columns', `for table ${table} (id, name)`);
    const err = await startError(p);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/column list/);
  });

  it('for all tables, or for other tables only (the table is added), is used', async () => {
    const all = await publication('all', 'for all tables');
    expect(await startError(all)).toBeUndefined();
    const other = await publication('other', `for table "${id}".other`);
    expect(await startError(other)).toBeUndefined();
    const [member] = await sql`select 1 from pg_publication_tables where pubname = ${other} and schemaname = ${id} and tablename = 'products'`;
    expect(member).toBeDefined();
  });
});

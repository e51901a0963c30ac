import { ConfigError, parseConfig, type SourceRecord } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask } from './replication-task.ts';
import { postgresSourceConfigSchema } from '../config.ts';
import { publicationOptions } from './slot-admin.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_lp_${process.pid}_${Date.now() % 100000}`;
const role = `${id}_cdc`;
/** The administrator: the tables' owner (the stack's superuser). */
const admin = postgres(url, { max: 2, onnotice: () => undefined });

function roleUrl(): string {
  const u = new URL(url);
  u.username = role;
  u.password = 'cdc';
  return u.toString();
}

function task(tables: string[], slot: string, publication: string) {
  const config = parseConfig(postgresSourceConfigSchema, { mode: 'logical', url: roleUrl(), tables, topicTemplate: 't.{table}', slot, publication, pollIntervalMs: 50 });
  return new LogicalReplicationTask(config, noopContext());
}

async function startError(t: LogicalReplicationTask): Promise<unknown> {
  try {
    await t.start(staticOffsets());
    return undefined;
  } catch (err) {
    return err;
  }
}

/** The statements a refusal lists, one per indented line (what an administrator would paste). */
function statementsOf(err: unknown): string[] {
  return (err as Error).message
    .split('\n')
    .filter((line) => line.startsWith('  '))
    .map((line) => line.trim().replace(/\s*--.*$/, ''));
}

async function pollUntil(t: LogicalReplicationTask, count: number): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const deadline = Date.now() + 20_000;
  while (out.length < count && Date.now() < deadline) {
    const batch = await t.poll(new AbortController().signal);
    for (const r of batch) if (!r.positionOnly) out.push(r);
    if (batch.length > 0 && !batch.at(-1)?.inTransaction) await t.commit(batch);
  }
  return out;
}

beforeAll(async () => {
  await admin.unsafe(`create schema "${id}"`);
  await admin.unsafe(`create table "${id}".orders (id bigint primary key, note text)`);
  await admin.unsafe(`create table "${id}".lines (id bigint primary key, order_id bigint)`);
  await admin.unsafe(`alter table "${id}".orders replica identity full`);
  await admin.unsafe(`alter table "${id}".lines replica identity full`);
  await admin.unsafe(`insert into "${id}".orders values (1, 'a'), (2, 'b')`);
  await admin.unsafe(`insert into "${id}".lines values (10, 1)`);
  // Only what a managed service gives a replication user: LOGIN and REPLICATION, nothing on the tables.
  await admin.unsafe(`create role "${role}" login replication nosuperuser nocreatedb password 'cdc'`);
  await admin.unsafe(`revoke create on database ${(await admin`select current_database() as d`)[0]?.d} from public`).catch(() => undefined);
});

afterAll(async () => {
  await admin`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name like ${`${id}%`} and not active`.catch(() => undefined);
  for (const p of ['pub', 'pub2']) await admin.unsafe(`drop publication if exists "${id}_${p}"`);
  await admin.unsafe(`drop schema if exists "${id}" cascade`);
  await admin.unsafe(`drop owned by "${role}"`).catch(() => undefined);
  await admin.unsafe(`drop role if exists "${role}"`);
  await admin.end();
});

describe('a role with REPLICATION and nothing else, as on a managed service', () => {
  it('is refused at start with the exact GRANT and CREATE PUBLICATION statements; once an administrator runs them, it snapshots and streams', async () => {
    const tables = [`${id}.orders`, `${id}.lines`];
    const first = task(tables, `${id}_slot`, `${id}_pub`);
    const err = await startError(first);
    await first.stop();
    expect(err).toBeInstanceOf(ConfigError);
    const statements = statementsOf(err);
    const [{ version } = { version: 0 }] = await admin<{ version: number }[]>`select current_setting('server_version_num')::int as version`;
    expect(statements).toEqual([
      `GRANT USAGE ON SCHEMA "${id}" TO "${role}";`,
      `GRANT SELECT ON TABLE "${id}"."lines", "${id}"."orders" TO "${role}";`,
      `CREATE PUBLICATION "${id}_pub" FOR TABLE "${id}"."lines", "${id}"."orders" WITH (${publicationOptions(version)});`,
    ]);
    // Refused before anything was created: no slot, no publication.
    expect(await admin`select 1 from pg_replication_slots where slot_name = ${`${id}_slot`}`).toHaveLength(0);
    expect(await admin`select 1 from pg_publication where pubname = ${`${id}_pub`}`).toHaveLength(0);

    for (const statement of statements) await admin.unsafe(statement);
    const t = task(tables, `${id}_slot`, `${id}_pub`);
    try {
      await t.start(staticOffsets());
      const snapshot = await pollUntil(t, 3);
      expect(snapshot.map((r) => (r.value as { op: string }).op)).toEqual(['r', 'r', 'r']);
      await admin.unsafe(`insert into "${id}".orders values (3, 'c')`);
      await admin.unsafe(`update "${id}".lines set order_id = 2 where id = 10`);
      const changes = await pollUntil(t, 2);
      expect(changes.map((r) => (r.value as { op: string }).op)).toEqual(['c', 'u']);
      // It confirms its position like any other role.
      const [slot] = await admin<{ lsn: string }[]>`select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = ${`${id}_slot`}`;
      expect(slot?.lsn).not.toBe('0/0');
    } finally {
      await t.stop();
    }
  });

  it('asks for ALTER PUBLICATION … ADD TABLE when the administrator’s publication lacks a captured table (the grants of the test above given)', async () => {
    await admin.unsafe(`create publication "${id}_pub2" for table "${id}".orders with (publish_via_partition_root = true)`);
    const t = task([`${id}.orders`, `${id}.lines`], `${id}_slot2`, `${id}_pub2`);
    const err = await startError(t);
    await t.stop();
    expect(statementsOf(err)).toEqual([`ALTER PUBLICATION "${id}_pub2" ADD TABLE "${id}"."lines";`]);
  });
});

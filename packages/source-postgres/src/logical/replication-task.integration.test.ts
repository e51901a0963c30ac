import { noopContext, parseConfig, type SourceRecord, staticOffsets } from '@buyonline/connect-api';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask, migrateProducts, postgresSourceConfigSchema } from '../index.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_logical_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 3, onnotice: () => undefined });

function task(overrides: Record<string, unknown> = {}) {
  const config = parseConfig(postgresSourceConfigSchema, {
    mode: 'logical',
    url,
    table: `${id}.products`,
    topic: 't',
    slot: id,
    publication: id,
    snapshotChunkSize: 2,
    pollIntervalMs: 50,
    ...overrides,
  });
  return new LogicalReplicationTask(config, noopContext());
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

const op = (r: SourceRecord) => (r.value as { op: string } | null)?.op ?? 'tombstone';

beforeAll(async () => {
  await migrateProducts(sql, id, 'products');
  await sql.unsafe(`insert into "${id}".products (name, price) values ('a', 1), ('b', 2), ('c', 3)`);
});

afterAll(async () => {
  await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${id} and not active`.catch(() => undefined);
  await sql.unsafe(`drop publication if exists "${id}"`);
  await sql.unsafe(`drop schema if exists "${id}" cascade`);
  await sql.unsafe(`drop role if exists "${id}_norepl"`);
  await sql.end();
});

describe('LogicalReplicationTask against PostgreSQL', () => {
  it('snapshots in key chunks, then streams inserts, updates and deletes (with tombstones), acknowledging only committed positions', async () => {
    const t = task();
    await t.start(staticOffsets());
    const snapshot = await pollUntil(t, 3);
    expect(snapshot.map(op)).toEqual(['r', 'r', 'r']);
    await sql.unsafe(`insert into "${id}".products (name, price) values ('d', 4)`);
    await sql.unsafe(`update "${id}".products set price = 9.99 where name = 'a'`);
    await sql.unsafe(`delete from "${id}".products where name = 'b'`);
    const changes = await pollUntil(t, 4);
    expect(changes.map(op)).toEqual(['c', 'u', 'd', 'tombstone']);
    const update = changes[1]?.value as { before: { price: string }; after: { price: string }; source: { lsn: string; txid: number } };
    expect(update.before.price).toBe('1.00');
    expect(update.after.price).toBe('9.99');
    expect(update.source.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const [slot] = await sql<{ lsn: string }[]>`select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = ${id}`;
    expect(slot?.lsn).not.toBe('0/0');
    await t.stop();
  });

  it('refuses to start for a role without REPLICATION, saying what to change', async () => {
    await sql.unsafe(`create role "${id}_norepl" login password 'x' nosuperuser noreplication`);
    await sql.unsafe(`grant usage on schema "${id}" to "${id}_norepl"`);
    const u = new URL(url);
    u.username = `${id}_norepl`;
    u.password = 'x';
    const t = task({ url: u.toString(), slot: `${id}_x`, publication: `${id}_x` });
    await expect(t.start(staticOffsets())).rejects.toThrow(/REPLICATION/);
    await t.stop();
  });
});

describe('a table without REPLICA IDENTITY FULL', () => {
  const plain = `${id}_plain`;
  beforeAll(async () => {
    await sql.unsafe(`create table "${id}".${plain} (id int primary key, note text, big text)`);
    await sql.unsafe(`alter table "${id}".${plain} alter column big set storage external`);
    await sql.unsafe(`insert into "${id}".${plain} values (1, 'a', repeat('x', 100000))`);
  });

  it('is refused at start with REPLICA_IDENTITY_CHECK=require-full, saying what is lost and what to run', async () => {
    const t = task({ table: `${id}.${plain}`, slot: `${id}_rf`, publication: `${id}_rf`, replicaIdentity: 'require-full' });
    await expect(t.start(staticOffsets())).rejects.toThrow(/REPLICA IDENTITY DEFAULT.*TOAST.*REPLICA IDENTITY FULL/);
    await t.stop();
  });

  it('names an unchanged TOASTed value as unknown (unchanged_toast) instead of giving it a value', async () => {
    const t = task({ table: `${id}.${plain}`, slot: `${id}_toast`, publication: `${id}_toast` });
    await t.start(staticOffsets());
    expect((await pollUntil(t, 1)).map(op)).toEqual(['r']);
    await sql.unsafe(`update "${id}".${plain} set note = 'b' where id = 1`);
    const [update] = await pollUntil(t, 1);
    const value = update?.value as { op: string; after: Record<string, unknown>; unchanged_toast: string[] };
    expect(value.op).toBe('u');
    expect(value.after.note).toBe('b');
    expect(value.unchanged_toast).toEqual(['big']);
    await t.stop();
    await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name in (${`${id}_toast`}, ${`${id}_rf`}) and not active`;
    await sql.unsafe(`drop publication if exists "${id}_toast"; drop publication if exists "${id}_rf"`);
  });
});

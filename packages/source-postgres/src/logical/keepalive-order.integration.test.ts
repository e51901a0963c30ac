import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareLsn, normalizeLsn } from './lsn.ts';
import { dropReplicationFixtures } from './replication-fixtures.test-support.ts';
import { type WalMessage, WalStream } from './wal-stream.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_kaorder_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 2, onnotice: () => undefined });

beforeAll(async () => {
  await sql.unsafe(`create schema if not exists "${id}"`);
  await sql.unsafe(`create table "${id}".t (id int primary key)`);
  await sql.unsafe(`create table "${id}".other (id serial primary key, pad text)`);
  await sql.unsafe(`create publication "${id}" for table "${id}".t`);
  await sql`select pg_create_logical_replication_slot(${id}, 'pgoutput')`;
});

afterAll(async () => {
  await dropReplicationFixtures(sql, id);
  await sql.end();
});

describe('WalStream keepalives', () => {
  it('hands on a keepalive only after every message before it was handled (a slow handler holds the keepalives back too)', async () => {
    /** Commit ends handled so far, in order. */
    const handled: string[] = [];
    /** Each keepalive as handed on: its WAL end and the commits handled by then. */
    const keepalives: { walEnd: string; handledThen: number }[] = [];
    const stream = new WalStream({
      url,
      slot: id,
      publication: id,
      onMessage: async (message: WalMessage) => {
        // A slow downstream (a full change queue): messages wait in the stream meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (message.tag === 'commit') handled.push(normalizeLsn(message.commitEndLsn as string));
      },
      onError: (err) => {
        throw err;
      },
      onKeepalive: (walEnd) => {
        keepalives.push({ walEnd, handledThen: handled.length });
      },
    });
    stream.start('0/0', '0/0');
    // Captured transactions, each followed by uncaptured WAL: the server sends keepalives past them.
    for (let i = 1; i <= 20; i++) {
      await sql.unsafe(`insert into "${id}".t values (${i})`);
      await sql.unsafe(`insert into "${id}".other (pad) select repeat('x', 200) from generate_series(1, 50)`);
    }
    const deadline = Date.now() + 20_000;
    while (handled.length < 20 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await stream.stop();
    expect(handled).toHaveLength(20);
    expect(keepalives.length).toBeGreaterThan(0);
    // Every commit that ends at or before a keepalive's WAL end was handled before that keepalive.
    const overtaken = keepalives.filter((k) => handled.filter((end) => compareLsn(end, k.walEnd) <= 0).length > k.handledThen);
    expect(overtaken).toEqual([]);
  }, 40_000);
});

import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WalMessage, WalStream } from './wal-stream.ts';
import { dropReplicationFixtures } from './replication-fixtures.test-support.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_walstream_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 2, onnotice: () => undefined });

beforeAll(async () => {
  await sql.unsafe(`create schema if not exists "${id}"`);
  await sql.unsafe(`create table "${id}".items (id int primary key)`);
  await sql.unsafe(`create publication "${id}" for table "${id}".items`);
  await sql`select pg_create_logical_replication_slot(${id}, 'pgoutput')`;
});

afterAll(async () => {
  await dropReplicationFixtures(sql, id);
  await sql.end();
});

describe('WalStream', () => {
  it('hands on no message after one it could not handle: the rest of that transaction never looks complete', async () => {
    const after: string[] = [];
    const errors: unknown[] = [];
    let failed = false;
    const stream = new WalStream({
      url,
      slot: id,
      publication: id,
      onMessage: async (message: WalMessage) => {
        if (failed) after.push(message.tag);
        if (message.tag === 'insert' && !failed) {
          failed = true;
          throw new Error('cannot handle this change');
        }
      },
      onError: (err) => errors.push(err),
    });
    stream.start('0/0', '0/0');
    await sql.begin(async (tx) => {
      await tx.unsafe(`insert into "${id}".items values (1)`);
      await tx.unsafe(`insert into "${id}".items values (2)`);
    });
    await sql.unsafe(`insert into "${id}".items values (3)`);
    const deadline = Date.now() + 10_000;
    while (errors.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    // Time for whatever the server sent after it to come by.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await stream.stop();
    expect(errors).toHaveLength(1);
    expect(after).toEqual([]);
  }, 30_000);
});

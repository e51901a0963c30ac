import { parseConfig, type SourceOffset, type SourcePartition, type SourceRecord } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask } from './replication-task.ts';
import { postgresSourceConfigSchema } from '../config.ts';
import { createSlotCommand, serverVersionNum } from './slot-admin.ts';
import { SnapshotReaders } from './snapshot-readers.ts';
import { dropReplicationFixtures } from './replication-fixtures.test-support.ts';

/**
 * TRUNCATE and the table-rewriting forms of ALTER TABLE are not MVCC-safe: once they commit, a
 * transaction with an older snapshot sees the table empty. A snapshot that reads a table after
 * such a command committed would miss every row the snapshot should hold (the truncate itself
 * still streams; a rewrite streams nothing at all).
 */
const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_locks_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 6, onnotice: () => undefined });
const ROWS = 6;

function task(name: string, tables: string[], parallelism = 1) {
  const config = parseConfig(postgresSourceConfigSchema, {
    mode: 'logical',
    url,
    tables: tables.map((t) => `${id}.${t}`),
    topicPrefix: 'locks',
    slot: `${id}_${name}`,
    publication: `${id}_${name}`,
    snapshotChunkSize: 2,
    snapshotParallelism: parallelism,
    pollIntervalMs: 20,
  });
  return new LogicalReplicationTask(config, noopContext());
}

const op = (r: SourceRecord) => (r.value as { op: string } | null)?.op ?? 'tombstone';
const keyOf = (r: SourceRecord) => (r.key as { id: number } | null)?.id;

/** Plays the worker: polls, and commits each closed Kafka transaction, keeping the stored positions. */
class Worker {
  readonly records: SourceRecord[] = [];
  readonly stored = new Map<string, [SourcePartition, SourceOffset]>();

  async poll(t: LogicalReplicationTask): Promise<void> {
    const batch = await t.poll(new AbortController().signal);
    for (const r of batch) {
      if (!r.positionOnly) this.records.push(r);
      this.stored.set(JSON.stringify(r.sourcePartition), [r.sourcePartition, r.sourceOffset]);
    }
    if (batch.length > 0 && !batch.at(-1)?.inTransaction) await t.commit(batch);
  }

  async until(t: LogicalReplicationTask, done: () => boolean, maxPolls = 2000): Promise<void> {
    for (let polls = 0; polls < maxPolls && !done(); polls++) await this.poll(t);
    if (!done()) throw new Error('the condition was not reached');
  }

  of(table: string): SourceRecord[] {
    return this.records.filter((r) => r.topic === `locks.${id}.${table}`);
  }

  /** How often each key was read by a snapshot. */
  reads(table: string): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const r of this.of(table)) if (op(r) === 'r') counts[keyOf(r) as number] = (counts[keyOf(r) as number] ?? 0) + 1;
    return counts;
  }

  streaming(): boolean {
    return [...this.stored.values()].some(([p, o]) => p.table === undefined && o.phase === 'stream');
  }
}

const once = (from: number, to: number) => Object.fromEntries(Array.from({ length: to - from + 1 }, (_, i) => [from + i, 1]));

async function createTable(table: string): Promise<void> {
  await sql.unsafe(`create table "${id}".${table} (id int primary key, v int)`);
  await sql.unsafe(`insert into "${id}".${table} select g, g from generate_series(1, ${ROWS}) g`);
}

/** Issues `statement` on its own connection; resolves once it is done or waits for a lock (a snapshot's). */
async function issue(statement: string): Promise<{ done: Promise<unknown> }> {
  const marker = `/* ${id} ${Math.random()} */`;
  let settled = false;
  const done = sql.unsafe(`${marker} ${statement}`).finally(() => {
    settled = true;
  });
  done.catch(() => undefined);
  for (let i = 0; i < 500 && !settled; i++) {
    const waiting = await sql`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like ${`${marker}%`}`;
    if (waiting.length > 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { done };
}

beforeAll(async () => {
  await sql.unsafe(`create schema "${id}"`);
  for (const t of ['a', 'a2', 'b', 'c', 'ra', 'rb', 'd', 'ia', 'ie']) await createTable(t);
  await sql.unsafe(`create table "${id}".pd (id int primary key, v int) partition by range (id)`);
  await sql.unsafe(`create table "${id}".pd_low partition of "${id}".pd for values from (0) to (100)`);
  await sql.unsafe(`insert into "${id}".pd values (1, 1)`);
});

afterAll(async () => {
  await dropReplicationFixtures(sql, id);
  await sql.end();
});

describe('a table truncated or rewritten while the initial snapshot runs', () => {
  it('loses no row of the consistent point: each arrives as a read once, then the truncate; a rewrite hides nothing (two readers)', async () => {
    const w = new Worker();
    const t = task('initial', ['a', 'a2', 'b', 'c'], 2);
    try {
      await t.start(staticOffsets());
      await w.poll(t); // the first chunks of `a` and `a2`: the snapshot is under way, `b` and `c` not read yet
      expect(w.of('a').length).toBeGreaterThan(0);
      expect(w.of('b')).toHaveLength(0);
      const truncate = await issue(`truncate "${id}".b`);
      const rewrite = await issue(`alter table "${id}".c alter column v type bigint`);
      await w.until(t, () => w.streaming());
      await Promise.all([truncate.done, rewrite.done]);
      await w.until(t, () => w.of('b').some((r) => op(r) === 't'));
    } finally {
      await t.stop();
    }
    for (const table of ['a', 'a2', 'b', 'c']) expect(w.reads(table)).toEqual(once(1, ROWS));
    const ofB = w.of('b').map(op);
    expect(ofB.filter((o) => o === 't')).toHaveLength(1);
    expect(ofB.indexOf('t')).toBe(ofB.length - 1);
  }, 20_000);
});

describe('a table truncated while a resumed snapshot runs', () => {
  it('loses no row of the new snapshot: the rest of the table arrives as reads once, then the truncate', async () => {
    const w = new Worker();
    const first = task('resumed', ['ra', 'rb']);
    try {
      await first.start(staticOffsets());
      await w.until(first, () => w.of('rb').length >= 2); // `rb` read in part, then the process dies
    } finally {
      await first.stop();
    }
    const readBefore = w.reads('rb');
    const last = Math.max(...Object.keys(readBefore).map(Number));
    expect(last).toBeLessThan(ROWS);

    const resumed = task('resumed', ['ra', 'rb']);
    try {
      await resumed.start(staticOffsets([...w.stored.values()]));
      const truncate = await issue(`truncate "${id}".rb`);
      await w.until(resumed, () => w.streaming());
      await truncate.done;
      await w.until(resumed, () => w.of('rb').some((r) => op(r) === 't'));
    } finally {
      await resumed.stop();
    }
    expect(w.reads('rb')).toEqual(once(1, ROWS));
    const ofB = w.of('rb').map(op);
    expect(ofB.filter((o) => o === 't')).toHaveLength(1);
    expect(ofB.indexOf('t')).toBe(ofB.length - 1);
  });
});

describe('a table rewritten while its incremental snapshot reads a chunk', () => {
  it('hides no row from the chunk: the chunk is read after the rewrite, every row arrives as a read once', async () => {
    const w = new Worker();
    const first = task('incremental', ['ia']);
    try {
      await first.start(staticOffsets());
      await w.until(first, () => w.streaming());
    } finally {
      await first.stop();
    }
    const t = task('incremental', ['ia', 'ie']);
    const holder = await sql.reserve();
    try {
      await t.start(staticOffsets([...w.stored.values()]));
      // A reader of `ie` holds the ALTER back, and the ALTER the chunk's read of `ie`.
      await holder.unsafe('begin');
      await holder.unsafe(`lock table "${id}".ie in access share mode`);
      const rewrite = await issue(`alter table "${id}".ie alter column v type bigint`);
      const polling = w.until(t, () => [...w.stored.values()].some(([p, o]) => p.table === `${id}.ie` && o.snapshot === 'done'));
      polling.catch(() => undefined);
      let chunkWaits = false;
      for (let i = 0; i < 1000 && !chunkWaits; i++) {
        await new Promise((r) => setTimeout(r, 10));
        chunkWaits =
          (
            await sql`select 1 from pg_locks l join pg_stat_activity a on a.pid = l.pid
                       where a.application_name = 'buyonline-producer' and not l.granted and l.relation = to_regclass(${`"${id}".ie`})`
          ).length > 0;
      }
      expect(chunkWaits).toBe(true); // the first chunk's read of `ie` waits behind the ALTER
      await holder.unsafe('commit');
      await rewrite.done;
      await polling;
    } finally {
      holder.release();
      await t.stop();
    }
    expect(w.reads('ie')).toEqual(once(1, ROWS));
  }, 30_000);
});

describe('SnapshotReaders on a slot’s exported snapshot', () => {
  it('names the tables truncated after the consistent point and before its locks were taken (a partitioned one too), and no other', async () => {
    const replication = postgres(url, { max: 1, fetch_types: false, onnotice: () => undefined, connection: { replication: 'database' } as Record<string, string> });
    const slot = `${id}_detect`;
    try {
      const [created] = await replication.unsafe<{ snapshot_name: string }[]>(createSlotCommand(slot, await serverVersionNum(sql)));
      await sql.unsafe(`truncate "${id}".d`);
      await sql.unsafe(`truncate "${id}".pd`);
      const readers = await SnapshotReaders.open(sql, 2, created?.snapshot_name ?? '', [
        { schema: id, table: 'a' },
        { schema: id, table: 'pd' },
        { schema: id, table: 'd' },
      ]);
      try {
        expect(await readers.rewrittenTables()).toEqual([`${id}.pd`, `${id}.d`]);
      } finally {
        await readers.close();
      }
    } finally {
      await replication.end();
    }
  });
});

import { ConfigError, parseConfig, type SourceOffset, type SourceRecord } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestSnapshot } from '../index.ts';
import { LogicalReplicationTask } from './replication-task.ts';
import { postgresSourceConfigSchema } from '../config.ts';
import { compareLsn } from './lsn.ts';
import { dropReplicationFixtures } from './replication-fixtures.test-support.ts';

/**
 * A hot standby as the source (PostgreSQL 16+), as `bash tooling/stack/postgres-version.sh
 * standby MAJOR` makes it: everything is written on the primary, the task reads only the
 * standby, and nothing it does writes (no heartbeat, publication or watermark on the primary).
 */
const primaryUrl = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const standbyUrl = process.env.PG_STANDBY_URL;
const primary = postgres(primaryUrl, { max: 3, onnotice: () => undefined });
const standby = standbyUrl ? postgres(standbyUrl, { max: 2, onnotice: () => undefined }) : undefined;
const [version] = standbyUrl ? await primary<{ num: number }[]>`select current_setting('server_version_num')::int as num` : [];
const major = Math.floor((version?.num ?? 0) / 10000);
const skip = !standbyUrl ? 'PG_STANDBY_URL is not set (no standby)' : major < 16 ? `PostgreSQL ${major} has no logical decoding on a standby` : '';
if (skip) process.stdout.write(`[standby-source] skipped: ${skip}\n`);

const id = `it_standby_${process.pid}_${Date.now() % 100000}`;
const tasks: LogicalReplicationTask[] = [];
const signal = () => new AbortController().signal;

function task(overrides: Record<string, unknown> = {}) {
  const config = parseConfig(postgresSourceConfigSchema, {
    mode: 'logical',
    url: standbyUrl,
    tables: [`${id}.items`],
    topicTemplate: 't',
    slot: id,
    publication: id,
    batchSize: 40,
    snapshotChunkSize: 25,
    pollIntervalMs: 50,
    ...overrides,
  });
  const t = new LogicalReplicationTask(config, noopContext());
  tasks.push(t);
  return t;
}

/** Until the standby replayed everything the primary wrote so far. */
async function standbyCaughtUp(): Promise<void> {
  const [wal] = await primary<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`;
  for (let i = 0; i < 200; i++) {
    const [replayed] = await (standby as postgres.Sql)<{ lsn: string }[]>`select pg_last_wal_replay_lsn()::text as lsn`;
    if (compareLsn(replayed?.lsn ?? '0/0', wal?.lsn ?? '0/0') >= 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the standby did not catch up');
}

type Value = { op: string; before: { id: number; rev: number } | null; after: { id: number; rev: number } | null } | null;
const recordValue = (r: SourceRecord) => r.value as Value;

beforeAll(async () => {
  if (skip) return;
  await primary.unsafe(`create schema "${id}"`);
  await primary.unsafe(`create table "${id}".items (id int primary key, rev int not null)`);
  await primary.unsafe(`alter table "${id}".items replica identity full`);
  await primary.unsafe(`create table "${id}".other (id serial primary key, pad text)`);
  await primary.unsafe(`insert into "${id}".items select g, g from generate_series(1, 300) g`);
  await primary.unsafe(`create publication "${id}" for table "${id}".items`);
  // What the primary's WAL holds from now on: proof that the task wrote nothing there.
  await primary`select pg_create_logical_replication_slot(${`${id}_peek`}, 'test_decoding')`;
  await standbyCaughtUp();
});

afterAll(async () => {
  for (const t of tasks) await t.stop().catch(() => undefined);
  if (!skip && standby) await dropReplicationFixtures(standby, id).catch(() => undefined);
  if (!skip) await dropReplicationFixtures(primary, id);
  await primary.end({ timeout: 1 });
  await standby?.end({ timeout: 1 });
});

describe.skipIf(skip !== '')('a hot standby as the source', () => {
  it('is refused with write heartbeats, and for a publication the primary lacks, saying what to run there', async () => {
    await expect(task({ heartbeat: 'write' }).start(staticOffsets())).rejects.toThrow(/heartbeat=write.*standby/);
    const missing = task({ publication: `${id}_none` });
    const err = await missing.start(staticOffsets()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/on the primary[\s\S]*CREATE PUBLICATION/);
  });

  it('snapshots and streams every change written on the primary exactly once, snapshots again on a signal written on the primary, and writes nothing', async () => {
    // The test (not the producer) hurries the slot's creation on the standby along.
    const kick = setInterval(() => void primary`select pg_log_standby_snapshot()`.catch(() => undefined), 1_000);
    const committed: SourceRecord[] = [];
    const t = task();
    let began = Date.now();
    await t.start(staticOffsets());
    const slotMs = Date.now() - began;
    clearInterval(kick);
    let writing = true;
    /** Every change committed on the primary: op:id:rev (the snapshot and chunks excluded). */
    const expected: string[] = [];
    let rev = 1000;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const key = (i * 7) % 400 + 1;
        const [row] = await primary<{ rev: number }[]>`select rev from ${primary(id)}.items where id = ${key}`;
        rev++;
        if (!row) {
          await primary`insert into ${primary(id)}.items values (${key}, ${rev})`;
          expected.push(`c:${key}:${rev}`);
        } else if (i % 4 === 0) {
          await primary`delete from ${primary(id)}.items where id = ${key}`;
          expected.push(`d:${key}:${row.rev}`);
        } else {
          await primary`update ${primary(id)}.items set rev = ${rev} where id = ${key}`;
          expected.push(`u:${key}:${rev}`);
        }
        if (i % 10 === 0) await primary.unsafe(`insert into "${id}".other (pad) select repeat('x', 100) from generate_series(1, 50)`);
      }
    })();
    const pollOnce = async () => {
      const batch = await t.poll(signal());
      if (batch.length > 0 && !batch.at(-1)?.inTransaction) {
        committed.push(...batch);
        await t.commit(batch);
      } else if (batch.length > 0) committed.push(...batch); // the rest of its transaction follows in the next polls
    };
    const done = (since: number) => committed.slice(since).some((r) => r.positionOnly && (r.sourceOffset as { snapshot?: string }).snapshot === 'done');
    const deadline = Date.now() + 90_000;
    while (!done(0) && Date.now() < deadline) await pollOnce();
    expect(done(0)).toBe(true);
    // A signal on the primary: the standby cannot take it, the primary's WAL carries it.
    await expect(requestSnapshot(standby as postgres.Sql, [{ schema: id, table: 'items' }])).rejects.toThrow(ConfigError);
    const signalled = committed.length;
    began = Date.now();
    await requestSnapshot(standby as postgres.Sql, [{ schema: id, table: 'items' }], primary);
    while (!done(signalled) && Date.now() < deadline) await pollOnce();
    expect(done(signalled)).toBe(true);
    const incrementalMs = Date.now() - began;
    const changesDuringSnapshots = expected.length;
    while (expected.length < 400 && Date.now() < deadline) await pollOnce();
    writing = false;
    await writer;
    await primary.unsafe(`truncate "${id}".items`);
    await primary.unsafe(`insert into "${id}".items values (1, 1)`);
    expected.push('c:1:1');
    await standbyCaughtUp();
    const streamed = () => committed.filter((r) => !r.positionOnly && r.value !== null && recordValue(r)?.op !== 'r');
    const changeOf = (r: SourceRecord) => {
      const v = recordValue(r);
      const row = v?.op === 'd' ? v.before : v?.after;
      return v?.op === 't' ? 't' : `${v?.op}:${row?.id}:${row?.rev}`;
    };
    while (!streamed().some((r) => changeOf(r) === 'c:1:1') && Date.now() < deadline) await pollOnce();
    for (let i = 0; i < 10; i++) await pollOnce();
    const counts = new Map<string, number>();
    for (const c of streamed().map(changeOf)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...counts.keys()].filter((k) => k !== 't').sort()).toEqual([...new Set(expected)].sort());
    expect(counts.get('t')).toBe(1);
    // The records replayed in order (snapshot rows, chunks and changes) leave exactly the table as it is now.
    const state = new Map<number, number>();
    for (const r of committed) {
      const v = recordValue(r);
      if (!v || r.positionOnly) continue;
      if (v.op === 't') state.clear();
      else if (v.op === 'd') state.delete(v.before?.id ?? -1);
      else if (v.after) state.set(v.after.id, v.after.rev);
    }
    const table = await primary<{ id: number; rev: number }[]>`select id, rev from ${primary(id)}.items order by id`;
    expect([...state.entries()].sort((a, b) => a[0] - b[0])).toEqual(table.map((r) => [r.id, r.rev]));
    // Nothing the task did went into the primary's WAL: the only message is the test's own signal.
    const messages = await primary<{ data: string }[]>`select data from pg_logical_slot_peek_changes(${`${id}_peek`}, null, null) where data like 'message:%'`;
    expect(messages.map((m) => /prefix: ([^,]+)/.exec(m.data)?.[1])).toEqual(['buyonline-signal']);
    const reads = committed.filter((r) => recordValue(r)?.op === 'r').length;
    process.stdout.write(`[standby-source] slot created on the standby in ${slotMs} ms; incremental snapshot on a signal in ${incrementalMs} ms; ${reads} rows read, ${streamed().length} changes streamed (${changesDuringSnapshots} written while snapshotting)\n`);
    await t.stop();
  }, 150_000);

  it('resumes an initial snapshot of two tables after a crash on the standby (its new snapshot bounded by the replay position): every row as it is now, no change twice', async () => {
    const tables = ['a', 'b'];
    for (const name of tables) {
      await primary.unsafe(`create table "${id}".${name} (id int primary key, rev int not null)`);
      await primary.unsafe(`insert into "${id}".${name} select g, g from generate_series(1, 200) g`);
    }
    await primary.unsafe(`create publication "${id}_r" for table "${id}".a, "${id}".b`);
    await standbyCaughtUp();
    const options = { tables: tables.map((n) => `${id}.${n}`), topicTemplate: 't.{table}', slot: `${id}_r`, publication: `${id}_r`, snapshotChunkSize: 20, snapshotParallelism: 2 };
    const kick = setInterval(() => void primary`select pg_log_standby_snapshot()`.catch(() => undefined), 1_000);
    const committed: SourceRecord[] = [];
    const positions = new Map<string, readonly [Record<string, string>, SourceOffset]>();
    /** Polls once; a batch that closes its transaction is "in Kafka" (committed), with its positions. */
    const pollOnce = async (t: LogicalReplicationTask, out: SourceRecord[]) => {
      const batch = await t.poll(signal());
      out.push(...batch);
      if (batch.length === 0 || batch.at(-1)?.inTransaction) return;
      committed.push(...out.splice(0));
      for (const r of committed) if (r.positionOnly && !r.inTransaction) positions.set(JSON.stringify(r.sourcePartition), [r.sourcePartition, r.sourceOffset]);
      await t.commit(batch);
    };
    let writing = true;
    const writer = (async () => {
      for (let i = 1; writing; i++) {
        const table = tables[i % 2] as string;
        await primary.unsafe(`update "${id}".${table} set rev = rev + 1000 where id = ${(i * 13) % 200 + 1}`);
        if (i % 5 === 0) await primary.unsafe(`delete from "${id}".${table} where id = ${(i * 17) % 200 + 1}`);
        if (i % 7 === 0) await primary.unsafe(`insert into "${id}".${table} values (${1000 + i}, ${i})`);
      }
    })();
    const second = task(options);
    const rest: SourceRecord[] = [];
    const deadline = Date.now() + 60_000;
    try {
      const first = task(options);
      await first.start(staticOffsets());
      clearInterval(kick);
      const lost: SourceRecord[] = [];
      for (let i = 0; i < 4; i++) await pollOnce(first, lost);
      await first.stop(); // a crash: what was not committed is lost
      await second.start(staticOffsets([...positions.values()]));
      const streaming = () => committed.some((r) => r.positionOnly && (r.sourceOffset as { phase?: string }).phase === 'stream');
      while (!streaming() && Date.now() < deadline) await pollOnce(second, rest);
    } finally {
      clearInterval(kick);
      writing = false;
      await writer;
    }
    await standbyCaughtUp();
    const [wal] = await primary<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`;
    // Until the stream reached everything written (a keepalive or commit past the primary's WAL end).
    const caughtUp = async () => {
      const [slot] = await (standby as postgres.Sql)<{ lsn: string }[]>`select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = ${options.slot}`;
      return compareLsn(slot?.lsn ?? '0/0', wal?.lsn ?? '0/0') >= 0;
    };
    while (!(await caughtUp()) && Date.now() < deadline) await pollOnce(second, rest);
    await second.stop();
    const changes = committed.filter((r) => !r.positionOnly && r.value !== null && recordValue(r)?.op !== 'r').map((r) => `${(r.value as { source: { table: string } }).source.table}:${JSON.stringify({ ...(r.value as object), ts_us: 0, source: null })}`);
    expect(changes.filter((c, i) => changes.indexOf(c) !== i)).toEqual([]);
    for (const name of tables) {
      const state = new Map<number, number>();
      for (const r of committed) {
        const v = recordValue(r);
        if (!v || r.positionOnly || (r.value as { source?: { table?: string } }).source?.table !== name) continue;
        if (v.op === 'd') state.delete(v.before?.id ?? -1);
        else if (v.after) state.set(v.after.id, v.after.rev);
      }
      const rows = await primary<{ id: number; rev: number }[]>`select id, rev from ${primary(id)}.${primary(name)} order by id`;
      expect([...state.entries()].sort((x, y) => x[0] - y[0])).toEqual(rows.map((r) => [r.id, r.rev]));
    }
  }, 120_000);
});

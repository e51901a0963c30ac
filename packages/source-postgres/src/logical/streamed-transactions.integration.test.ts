import { ConnectionError, parseConfig, type SourceOffset, type SourceRecord } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import postgres, { type ReservedSql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask } from './replication-task.ts';
import { postgresSourceConfigSchema } from '../config.ts';
import { dropReplicationFixtures } from './replication-fixtures.test-support.ts';

// Against the shared PostgreSQL 15, or another version with PG_URL (e.g. 14 of tooling/stack/postgres-version.sh).
const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_streamed_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 6, onnotice: () => undefined });
const table = `"${id}".rows`;

/** Every task a test started: stopped after the tests (a failed assertion must not leave a slot held). */
const tasks: LogicalReplicationTask[] = [];
const signal = () => new AbortController().signal;

function task(slot: string, extra: Record<string, unknown> = {}): LogicalReplicationTask {
  const config = parseConfig(postgresSourceConfigSchema, {
    mode: 'logical',
    url,
    tables: [`${id}.rows`],
    topicTemplate: 't',
    slot,
    publication: id,
    batchSize: 200,
    pollIntervalMs: 20,
    // The least PostgreSQL allows: a transaction of a few hundred rows streams before it commits.
    logicalDecodingWorkMem: '64kB',
    ...extra,
  });
  const t = new LogicalReplicationTask(config, noopContext());
  tasks.push(t);
  return t;
}

type Value = { after: { id: number } | null; before: { id: number } | null };
const idOf = (r: SourceRecord) => (r.positionOnly || r.value === null ? undefined : ((r.value as Value).after ?? (r.value as Value).before)?.id);

/**
 * Drives a task as the source worker does, with what a read_committed reader of Kafka sees kept
 * apart: a batch whose last record leaves the source transaction open stays in the open Kafka
 * transaction; a batch that closes it commits everything open (positions stored, task.commit).
 * A failed poll with a Kafka transaction open aborts it and starts a new session of the same task
 * from the stored positions; without one, the poll is retried.
 */
class Worker {
  /** What a read_committed consumer sees: the records of committed Kafka transactions, in order. */
  readonly committed: SourceRecord[] = [];
  /** The open Kafka transaction. */
  open: SourceRecord[] = [];
  readonly stored = new Map<string, [Record<string, string>, SourceOffset]>();
  sessions = 1;
  failures = 0;
  /** Records the last poll gave. */
  polled = 0;

  constructor(public t: LogicalReplicationTask) {}

  async start(): Promise<void> {
    await this.t.start(staticOffsets([...this.stored.values()]));
  }

  async pollOnce(): Promise<void> {
    let batch: SourceRecord[];
    try {
      batch = await this.t.poll(signal());
      this.polled = batch.length;
    } catch (err) {
      if (!(err instanceof ConnectionError)) throw err;
      this.failures++;
      if (this.open.length > 0) {
        this.open = []; // aborted: never seen by a read_committed reader
        await this.t.stop();
        this.sessions++;
        await this.start();
      }
      return;
    }
    this.open.push(...batch);
    if (batch.length === 0 || batch.at(-1)?.inTransaction) return;
    for (const r of this.open) if (!r.inTransaction) this.stored.set(JSON.stringify(r.sourcePartition), [r.sourcePartition, r.sourceOffset]);
    this.committed.push(...this.open);
    await this.t.commit(this.open);
    this.open = [];
  }

  async until(done: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await this.pollOnce();
    }
  }

  /** Polls for a while (the stream catching up with what was written). */
  async settle(ms = 1_500): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) await this.pollOnce();
  }

  /** Ids of the committed change records (snapshot reads left out), in order: each insert once is an exactly-once count. */
  committedIds(): number[] {
    return this.committed.filter((r) => (r.value as { op?: string } | null)?.op !== 'r').map(idOf).filter((i): i is number => i !== undefined);
  }

  openIds(): number[] {
    return this.open.map(idOf).filter((i): i is number => i !== undefined);
  }
}

async function worker(slot: string, extra: Record<string, unknown> = {}): Promise<Worker> {
  const w = new Worker(task(slot, extra));
  await w.start();
  // The initial snapshot (the rows of the tests before) is read until the stream has nothing to give.
  await w.pollOnce();
  await w.until(() => w.open.length === 0 && w.stored.size > 0 && w.polled === 0, 'the initial snapshot');
  return w;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const inRange = (ids: number[], from: number, to: number) => ids.filter((i) => i >= from && i <= to);
/** Rows of about 300 bytes: a few hundred pass 64kB. */
const insertRows = (tx: Pick<ReservedSql, 'unsafe'>, from: number, to: number) =>
  tx.unsafe(`insert into ${table} select g, repeat('x', 300) from generate_series(${from}, ${to}) g`);

async function streamStats(slot: string): Promise<{ streamTxns: number; spillTxns: number }> {
  const [row] = await sql<{ stream_txns: string; spill_txns: string }[]>`select stream_txns::text, spill_txns::text from pg_stat_replication_slots where slot_name = ${slot}`;
  return { streamTxns: Number(row?.stream_txns ?? 0), spillTxns: Number(row?.spill_txns ?? 0) };
}

/** A transaction left open on its own connection. */
async function openTransaction(): Promise<ReservedSql> {
  const tx = await sql.reserve();
  await tx`begin`;
  return tx;
}

async function finish(tx: ReservedSql, how: 'commit' | 'rollback'): Promise<void> {
  await tx.unsafe(how);
  tx.release();
}

beforeAll(async () => {
  await sql.unsafe(`create schema if not exists "${id}"`);
  await sql.unsafe(`create table ${table} (id int primary key, pad text)`);
});

afterAll(async () => {
  for (const t of tasks) await t.stop().catch(() => undefined);
  await dropReplicationFixtures(sql, id);
  await sql.end();
});

describe('large transactions stream before they commit (protocol 2)', () => {
  it('a transaction bigger than logical_decoding_work_mem flows into the open Kafka transaction and is read once, only after its commit', async () => {
    const slot = `${id}_big`;
    const w = await worker(slot);
    const tx = await openTransaction();
    const [{ xid } = { xid: '' }] = await tx<{ xid: string }[]>`select (txid_current() % 4294967296)::text as xid`;
    await insertRows(tx, 1, 3000);
    await w.until(() => w.openIds().length > 0, 'streamed rows before the commit');
    expect(inRange(w.committedIds(), 1, 3000)).toEqual([]);
    await finish(tx, 'commit');
    await insertRows(sql, 3001, 3001); // a small one after: committed whole, as in protocol 1
    await w.until(() => w.committedIds().includes(3001) && w.open.length === 0, 'the whole transaction');
    expect(inRange(w.committedIds(), 1, 3001).sort((a, b) => a - b)).toEqual(range(1, 3001));
    expect((await streamStats(slot)).streamTxns).toBeGreaterThan(0);
    // The envelope of a streamed change: its own WAL position (before its commit), its transaction's id, marked as streamed.
    type Source = { lsn: string; txid: number; position: string; ts_us: number };
    const sourceOf = (n: number) => {
      const record = w.committed.find((r) => idOf(r) === n);
      if (!record) throw new Error(`row ${n} is not in Kafka`);
      return (record.value as { source: Source }).source;
    };
    const lsnValue = (lsn: string) => BigInt(`0x${lsn.split('/')[0]}`) * 2n ** 32n + BigInt(`0x${lsn.split('/')[1]}`);
    const [first, last, after] = [sourceOf(1), sourceOf(3000), sourceOf(3001)];
    expect(first.txid).toBe(Number(xid));
    expect(JSON.parse(first.position)).toEqual({ lsn: first.lsn, phase: 'stream', streamed: true });
    expect(lsnValue(first.lsn) < lsnValue(last.lsn)).toBe(true);
    expect(lsnValue(last.lsn) < lsnValue(after.lsn)).toBe(true);
    expect(JSON.parse(after.position)).toEqual({ lsn: after.lsn, phase: 'stream' });
    expect(first.ts_us).toBeLessThanOrEqual(after.ts_us);
    await w.t.stop();
  }, 120_000);

  it('an aborted streamed transaction is never visible, and the transactions after it arrive once', async () => {
    const slot = `${id}_abort`;
    const w = await worker(slot);
    const tx = await openTransaction();
    await insertRows(tx, 10_001, 13_000);
    await w.until(() => w.openIds().length > 0, 'streamed rows before the rollback');
    await finish(tx, 'rollback');
    await insertRows(sql, 20_001, 20_001);
    await sql.begin((t) => insertRows(t, 20_002, 23_000)); // committed, streamed too
    await w.until(() => w.committedIds().includes(23_000) && w.open.length === 0, 'the transactions after the abort');
    await w.settle();
    const ids = w.committedIds();
    expect(inRange(ids, 10_001, 13_000)).toEqual([]);
    expect(inRange(ids, 20_001, 23_000).sort((a, b) => a - b)).toEqual(range(20_001, 23_000));
    expect(w.sessions).toBeGreaterThan(1); // its open Kafka transaction was aborted
    await w.t.stop();
  }, 120_000);

  it('ROLLBACK TO SAVEPOINT inside a streamed transaction drops exactly the subtransaction’s rows', async () => {
    const slot = `${id}_savepoint`;
    const w = await worker(slot);
    const tx = await openTransaction();
    await insertRows(tx, 30_001, 31_000);
    await tx`savepoint inner_one`;
    await insertRows(tx, 31_001, 33_000);
    await w.until(() => w.openIds().some((i) => i > 31_000), 'streamed rows of the subtransaction');
    await tx`rollback to savepoint inner_one`;
    await insertRows(tx, 33_001, 33_500);
    await tx`savepoint inner_two`;
    await insertRows(tx, 33_501, 34_000);
    await tx`release savepoint inner_two`;
    await finish(tx, 'commit');
    await w.until(() => w.committedIds().includes(34_000) && w.open.length === 0, 'the transaction');
    await w.settle();
    const ids = inRange(w.committedIds(), 30_001, 34_000).sort((a, b) => a - b);
    expect(ids).toEqual([...range(30_001, 31_000), ...range(33_001, 34_000)]);
    expect(w.sessions).toBeGreaterThan(1); // its rows were in the open Kafka transaction, which was aborted
    await w.t.stop();
  }, 120_000);

  it('small transactions committed while a streamed one is open go into its Kafka transaction, each change once', async () => {
    const slot = `${id}_interleaved`;
    const w = await worker(slot);
    const a = await openTransaction();
    await insertRows(a, 40_001, 42_000);
    await w.until(() => w.openIds().length > 0, 'streamed rows of A');
    for (let i = 0; i < 5; i++) await insertRows(sql, 50_001 + i, 50_001 + i);
    await insertRows(a, 42_001, 44_000);
    const b = await openTransaction(); // a second streamed transaction, open at once
    await insertRows(b, 60_001, 62_000);
    for (let i = 5; i < 10; i++) await insertRows(sql, 50_001 + i, 50_001 + i);
    await w.until(() => w.openIds().includes(50_010), 'the small transactions, inside the open Kafka transaction');
    await w.settle(1_000);
    // Nothing closed while a streamed transaction is open: a read_committed reader sees none of them yet.
    expect(inRange(w.committedIds(), 40_001, 62_000)).toEqual([]);
    await finish(a, 'commit');
    await w.settle(1_000);
    expect(inRange(w.committedIds(), 40_001, 62_000)).toEqual([]); // B is still open
    await finish(b, 'commit');
    await w.until(() => w.committedIds().includes(62_000) && w.open.length === 0, 'both streamed transactions');
    await w.settle();
    const ids = w.committedIds();
    expect(inRange(ids, 40_001, 44_000).sort((x, y) => x - y)).toEqual(range(40_001, 44_000));
    expect(inRange(ids, 50_001, 50_010)).toEqual(range(50_001, 50_010));
    expect(inRange(ids, 60_001, 62_000).sort((x, y) => x - y)).toEqual(range(60_001, 62_000));
    await w.t.stop();
  }, 120_000);

  it('a producer killed mid-stream resumes from Kafka in a new task: each change once', async () => {
    const slot = `${id}_kill`;
    const w = await worker(slot);
    await insertRows(sql, 70_001, 70_001);
    await w.until(() => w.committedIds().includes(70_001), 'a committed row before');
    const tx = await openTransaction();
    await insertRows(tx, 70_002, 73_000);
    await w.until(() => w.openIds().length > 0, 'streamed rows');
    // Killed: its open Kafka transaction is aborted (never committed), a new task starts from Kafka.
    await w.t.stop();
    w.open = [];
    w.t = task(slot);
    await w.start();
    await insertRows(tx, 73_001, 74_000);
    await finish(tx, 'commit');
    await w.until(() => w.committedIds().includes(74_000) && w.open.length === 0, 'the transaction after the restart');
    await w.settle();
    expect(inRange(w.committedIds(), 70_001, 74_000).sort((a, b) => a - b)).toEqual(range(70_001, 74_000));
    await w.t.stop();
  }, 120_000);

  it('an incremental snapshot chunk never carries a row older than what a streamed transaction already queued for it', async () => {
    const slot = `${id}_chunk`;
    await sql.unsafe(`delete from ${table}`);
    await insertRows(sql, 90_001, 93_000);
    const w = await worker(slot);
    const a = await openTransaction();
    await a.unsafe(`update ${table} set pad = 'changed by A' || repeat('y', 300) where id between 90001 and 93000`);
    await w.until(() => w.openIds().length > 0, 'streamed updates of A');
    // The snapshot is asked for while A is open, in a small committed transaction.
    await sql`select pg_logical_emit_message(true, 'buyonline-signal', ${JSON.stringify({ type: 'execute-snapshot', tables: [`${id}.rows`] })})`;
    await w.settle(2_000);
    await finish(a, 'commit');
    const snapshotDone = () => w.committed.some((r) => (r.value as { op?: string } | null)?.op === 'r' && idOf(r) === 93_000);
    await w.until(() => snapshotDone() && w.open.length === 0, 'the incremental snapshot', 90_000);
    // The last version of each row in Kafka order is the row as PostgreSQL has it now.
    const last = new Map<number, string>();
    for (const r of w.committed) {
      const value = r.value as { after: { id: number; pad: string } | null } | null;
      if (value?.after) last.set(value.after.id, value.after.pad);
    }
    const stale = range(90_001, 93_000).filter((i) => !last.get(i)?.startsWith('changed by A'));
    expect(stale).toEqual([]);
    await w.t.stop();
  }, 150_000);

  it('a streamed transaction open too long turns streaming off: what commits meanwhile becomes readable, and it arrives once at its commit', async () => {
    const slot = `${id}_toolong`;
    const w = await worker(slot, { streamedTransactionMaxMs: 1_500 });
    const a = await openTransaction();
    await insertRows(a, 100_001, 103_000);
    await w.until(() => w.openIds().length > 0, 'streamed rows of A');
    await insertRows(sql, 104_001, 104_001);
    await w.until(() => w.committedIds().includes(104_001), 'the small transaction, readable while A is open');
    expect(inRange(w.committedIds(), 100_001, 103_000)).toEqual([]);
    await finish(a, 'commit');
    await w.until(() => w.committedIds().includes(103_000) && w.open.length === 0, 'A, at its commit');
    await w.settle();
    expect(inRange(w.committedIds(), 100_001, 104_001).sort((x, y) => x - y)).toEqual([...range(100_001, 103_000), 104_001]);
    expect(w.sessions).toBeGreaterThan(1); // the open Kafka transaction holding A's streamed rows was aborted
    await w.t.stop();
  }, 120_000);

  it('a signal inside a streamed transaction counts at its commit, and not at all when it rolls back', async () => {
    const slot = `${id}_signal`;
    await sql.unsafe(`delete from ${table}`); // before its slot: the snapshots read this test's rows only
    const w = await worker(slot);
    const signalIn = (tx: ReservedSql) => tx.unsafe(`select pg_logical_emit_message(true, 'buyonline-signal', '{"type":"execute-snapshot","tables":["${id}.rows"]}')`);
    const snapshotted = w.committed.length; // the initial snapshot read the rows of the tests before
    const reads = () => w.committed.slice(snapshotted).filter((r) => (r.value as { op?: string } | null)?.op === 'r').map(idOf);
    const a = await openTransaction();
    await insertRows(a, 80_001, 83_000);
    await signalIn(a);
    await insertRows(a, 83_001, 83_500);
    await w.until(() => w.openIds().some((i) => i > 83_000), 'streamed rows after the signal');
    await finish(a, 'rollback');
    await insertRows(sql, 84_001, 84_001);
    await w.until(() => w.committedIds().includes(84_001), 'a row after the rollback');
    await w.settle(2_000);
    expect(reads()).toEqual([]);
    const b = await openTransaction();
    await insertRows(b, 85_001, 88_000);
    await signalIn(b);
    await insertRows(b, 88_001, 88_500);
    await w.until(() => w.openIds().some((i) => i > 88_000), 'streamed rows after the signal');
    expect(reads()).toEqual([]);
    await finish(b, 'commit');
    await w.until(() => reads().includes(88_500) && w.open.length === 0, 'the incremental snapshot the signal asked for', 90_000);
    expect(inRange(w.committedIds(), 80_001, 88_500).sort((x, y) => x - y)).toEqual([84_001, ...range(85_001, 88_500)]);
    await w.t.stop();
  }, 150_000);
});

import { parseConfig, type SourceOffset, type SourceRecord } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask } from './replication-task.ts';
import { postgresSourceConfigSchema } from '../config.ts';
import { compareLsn } from './lsn.ts';
import { dropReplicationFixtures } from './replication-fixtures.test-support.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_idle_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 4, onnotice: () => undefined });
const tasks: LogicalReplicationTask[] = [];

function task(slot: string, batchSize = 50) {
  // The defaults: no write heartbeat.
  const config = parseConfig(postgresSourceConfigSchema, { mode: 'logical', url, tables: [`${id}.t`], topicTemplate: 't', slot, publication: id, batchSize, pollIntervalMs: 20 });
  const t = new LogicalReplicationTask(config, noopContext());
  tasks.push(t);
  return t;
}

const signal = () => new AbortController().signal;
const confirmed = async (slot: string) =>
  (await sql<{ lsn: string }[]>`select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = ${slot}`)[0]?.lsn ?? '0/0';
const currentWal = async () => (await sql<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`)[0]?.lsn ?? '0/0';
const churn = (rows: number) => sql.unsafe(`insert into "${id}".other (pad) select repeat('x', 200) from generate_series(1, ${rows})`);

/** A worker whose "Kafka" commits lag: batches handed out are committed every few polls; what it committed, and the positions stored with it. */
class FakeWorker {
  readonly committed: SourceRecord[] = [];
  readonly positions = new Map<string, readonly [Record<string, string>, SourceOffset]>();
  out: SourceRecord[][] = [];
  private steps = 0;

  constructor(
    private readonly t: LogicalReplicationTask,
    private readonly commitEvery = 1,
  ) {}

  async step(): Promise<void> {
    const batch = await this.t.poll(signal());
    const closed = this.out.at(-1)?.at(-1)?.inTransaction !== true;
    if (closed && this.out.length > 0 && ++this.steps % this.commitEvery === 0) {
      for (const done of this.out) {
        for (const r of done) {
          if (!r.positionOnly) this.committed.push(r);
          else if (!r.inTransaction) this.positions.set(JSON.stringify(r.sourcePartition), [r.sourcePartition, r.sourceOffset]);
        }
        await this.t.commit(done);
      }
      this.out = [];
    }
    if (batch.length > 0) this.out.push(batch);
  }
}

beforeAll(async () => {
  await sql.unsafe(`create schema "${id}"`);
  await sql.unsafe(`create table "${id}".t (id int primary key, rev int not null)`);
  await sql.unsafe(`alter table "${id}".t replica identity full`);
  await sql.unsafe(`create table "${id}".other (id serial primary key, pad text)`);
  await sql.unsafe(`create publication "${id}" for table "${id}".t`);
});

afterAll(async () => {
  for (const t of tasks) await t.stop().catch(() => undefined);
  await dropReplicationFixtures(sql, id);
  await sql.end();
});

describe('an idle slot without write heartbeats', () => {
  it('advances by the server keepalives while only uncaptured tables write, and the producer writes nothing into the WAL', async () => {
    const slot = `${id}_adv`;
    // A second slot that sees everything written from now on: proof of what went into the WAL.
    await sql`select pg_create_logical_replication_slot(${`${id}_peek`}, 'test_decoding')`;
    const t = task(slot);
    const worker = new FakeWorker(t);
    await t.start(staticOffsets());
    for (let i = 0; i < 5; i++) await worker.step(); // the (empty) snapshot and the stream's first position
    const before = await confirmed(slot);
    for (let i = 0; i < 10; i++) await churn(500);
    const walAfterChurn = await currentWal();
    const deadline = Date.now() + 30_000;
    while (compareLsn(await confirmed(slot), walAfterChurn) < 0 && Date.now() < deadline) await worker.step();
    const after = await confirmed(slot);
    await t.stop();
    expect(worker.committed).toEqual([]);
    expect(compareLsn(after, walAfterChurn)).toBeGreaterThanOrEqual(0);
    expect(compareLsn(after, before)).toBeGreaterThan(0);
    const messages = await sql<{ data: string }[]>`select data from pg_logical_slot_peek_changes(${`${id}_peek`}, null, null) where data like 'message:%'`;
    expect(messages).toEqual([]);
    console.info(`slot ${slot}: confirmed_flush_lsn ${before} -> ${after} (WAL after the churn: ${walAfterChurn})`);
  }, 60_000);

  it('delivers every captured change exactly once across a crash while keepalives interleave with them', async () => {
    const slot = `${id}_eo`;
    let rev = 0;
    /** Every committed change of t: `op:rev`. */
    const expected: string[] = [];
    let writing = true;
    const first = task(slot, 7);
    const a = new FakeWorker(first, 8);
    await first.start(staticOffsets()); // t is empty: every change below streams
    const writer = (async () => {
      for (let i = 1; writing || i <= 60; i++) {
        const id1 = (i % 40) + 1;
        const [row] = await sql<{ rev: number }[]>`select rev from ${sql(id)}.t where id = ${id1}`;
        rev++;
        if (!row) {
          await sql`insert into ${sql(id)}.t values (${id1}, ${rev})`;
          expected.push(`c:${rev}`);
        } else if (i % 3 === 0) {
          await sql`delete from ${sql(id)}.t where id = ${id1}`;
          expected.push(`d:${row.rev}`);
          rev--;
        } else {
          await sql`update ${sql(id)}.t set rev = ${rev} where id = ${id1}`;
          expected.push(`u:${rev}`);
        }
        await churn(100);
        if (i >= 400) break;
      }
    })();
    // Kafka is slow: batches stay out for several polls, while keepalives of the churn come by.
    for (let i = 0; i < 150 || !a.out.some((batch) => batch.some((r) => !r.positionOnly)); i++) await a.step();
    // A crash: the batches still out never reach Kafka.
    await first.stop();
    const second = task(slot, 7);
    const b = new FakeWorker(second);
    await second.start(staticOffsets([...a.positions.values()]));
    const changeOf = (r: SourceRecord) => {
      const v = r.value as { op: string; before: { rev: number } | null; after: { rev: number } | null } | null;
      return v === null ? undefined : `${v.op}:${(v.op === 'd' ? v.before : v.after)?.rev}`;
    };
    expect(a.committed.filter((r) => changeOf(r)?.startsWith('r:'))).toEqual([]);
    const seen = () => [...a.committed, ...b.committed].map(changeOf).filter((c) => c !== undefined);
    writing = false;
    await writer;
    const deadline = Date.now() + 60_000;
    while (seen().length < expected.length && Date.now() < deadline) await b.step();
    for (let i = 0; i < 20; i++) await b.step(); // anything produced twice would come now
    await second.stop();
    const counts = new Map<string, number>();
    for (const c of seen()) counts.set(c as string, (counts.get(c as string) ?? 0) + 1);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...counts.keys()].sort()).toEqual([...expected].sort());
    expect(a.committed.length).toBeGreaterThan(0);
  }, 120_000);
});

import { ConnectionError, parseConfig, type SourceOffset, type SourceRecord } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask } from './replication-task.ts';
import { postgresSourceConfigSchema } from '../config.ts';
import { SIGNAL_PREFIX } from './stream-decoder.ts';
import { dropReplicationFixtures } from './replication-fixtures.test-support.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_resume_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 4, onnotice: () => undefined });
const slots = [`${id}_handed`, `${id}_aborted`, `${id}_signal`];

function task(slot: string, batchSize = 1, snapshotChunkSize = 1000) {
  const config = parseConfig(postgresSourceConfigSchema, {
    mode: 'logical',
    url,
    tables: [`${id}.items`],
    topicTemplate: 't',
    slot,
    publication: id,
    batchSize,
    snapshotChunkSize,
    pollIntervalMs: 20,
  });
  const t = new LogicalReplicationTask(config, noopContext());
  tasks.push(t);
  return t;
}

/** Every task a test started: stopped after the tests (a failed assertion must not leave a slot held). */
const tasks: LogicalReplicationTask[] = [];

type Value = { after: { id: number } | null };
const idOf = (r: SourceRecord) => (r.positionOnly || r.value === null ? undefined : (r.value as Value).after?.id);
const signal = () => new AbortController().signal;

/** What the worker stores with a Kafka transaction: the last closed position of each partition. */
function positions(records: readonly SourceRecord[], into = new Map<string, [Record<string, string>, SourceOffset]>()) {
  for (const r of records) if (!r.inTransaction) into.set(JSON.stringify(r.sourcePartition), [r.sourcePartition, r.sourceOffset]);
  return into;
}

/** Polls until a record of row `until` came and its source transaction is closed; stream failures are retried, as the worker does. */
async function pollUntil(t: LogicalReplicationTask, until: number, failures = { n: 0 }): Promise<SourceRecord[][]> {
  const batches: SourceRecord[][] = [];
  const deadline = Date.now() + 30_000;
  let seen = false;
  while (Date.now() < deadline) {
    let batch: SourceRecord[];
    try {
      batch = await t.poll(signal());
    } catch (err) {
      if (!(err instanceof ConnectionError)) throw err;
      failures.n++;
      continue;
    }
    if (batch.length > 0) batches.push(batch);
    if (batch.some((r) => idOf(r) === until)) seen = true;
    if (seen && batch.length > 0 && !batch.at(-1)?.inTransaction) return batches;
  }
  throw new Error(`row ${until} did not come (${batches.flat().map(idOf).join(',')})`);
}

const ids = (batches: readonly SourceRecord[][]) => batches.flat().map(idOf).filter((i) => i !== undefined);

async function terminateWalsender(slot: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const [row] = await sql<{ pid: number | null }[]>`select active_pid as pid from pg_replication_slots where slot_name = ${slot}`;
    if (row?.pid) {
      await sql`select pg_terminate_backend(${row.pid})`;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`slot ${slot} has no walsender`);
}

const confirmed = async (slot: string) =>
  (await sql<{ lsn: string }[]>`select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = ${slot}`)[0]?.lsn ?? '';
const insert = (n: number) => sql.unsafe(`insert into "${id}".items values (${n})`);

/** A task past its (empty) initial snapshot, with the positions that snapshot stored. */
async function streaming(slot: string, batchSize = 1, snapshotChunkSize?: number) {
  const t = task(slot, batchSize, snapshotChunkSize);
  await t.start(staticOffsets([]));
  const stored = positions([]);
  // The initial snapshot, until streaming starts (the stream's own position is stored).
  for (let streams = false; !streams; ) {
    const batch = await t.poll(signal());
    await t.commit(batch);
    positions(batch, stored);
    streams = batch.some((r) => !('table' in r.sourcePartition));
  }
  return { t, stored };
}

beforeAll(async () => {
  await sql.unsafe(`create schema if not exists "${id}"`);
  await sql.unsafe(`create table "${id}".items (id int primary key)`);
});

afterAll(async () => {
  for (const t of tasks) await t.stop().catch(() => undefined);
  await dropReplicationFixtures(sql, id);
  await sql.end();
});

describe('a dropped replication connection resumes after what was handed to Kafka', () => {
  it('transactions still committing to Kafka are not streamed again; their commits still confirm the slot', async () => {
    const slot = slots[0] as string;
    const { t } = await streaming(slot);
    await insert(1);
    await insert(2);
    // Both handed to the worker, neither committed in Kafka yet (two transactions in flight).
    const one = await pollUntil(t, 1);
    const two = await pollUntil(t, 2);
    await terminateWalsender(slot);
    await insert(3);
    const failures = { n: 0 };
    const after = await pollUntil(t, 3, failures);
    expect(failures.n).toBeGreaterThan(0);
    expect(ids(after)).toEqual([3]);
    // The transactions in flight commit now, then the one after: the slot follows each.
    await t.commit(one.at(-1) as SourceRecord[]);
    await t.commit(two.at(-1) as SourceRecord[]);
    await t.commit(after.at(-1) as SourceRecord[]);
    const end = (((after.at(-1) as SourceRecord[]).at(-1) as SourceRecord).sourceOffset as { lsn: string }).lsn;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await confirmed(slot)).toBe(end);
    await t.stop();
  }, 60_000);

  it('when the Kafka transactions handed out before the drop abort, the next session reads them again from what Kafka committed', async () => {
    const slot = slots[1] as string;
    const { t, stored } = await streaming(slot);
    const before = await confirmed(slot);
    await insert(11);
    await insert(12);
    await pollUntil(t, 11);
    await pollUntil(t, 12);
    await terminateWalsender(slot);
    await insert(13);
    expect(ids(await pollUntil(t, 13))).toEqual([13]);
    // Kafka aborts them all (a failed commit): the worker stops the task and starts a new session.
    await t.stop();
    expect(await confirmed(slot)).toBe(before);
    const again = task(slot);
    await again.start(staticOffsets([...stored.values()]));
    const replayed = ids(await pollUntil(again, 13));
    expect(replayed).toEqual([11, 12, 13]);
    await again.stop();
  }, 60_000);

  it('an incremental snapshot goes on from the chunks handed out: a chunk queued but not handed out when the connection drops is read again', async () => {
    const slot = slots[2] as string;
    const started = await streaming(slot, 2, 4);
    let t = started.t;
    const stored = started.stored;
    await sql.unsafe(`insert into "${id}".items select g from generate_series(1000, 1059) g`);
    await sql.unsafe(`select pg_logical_emit_message(true, '${SIGNAL_PREFIX}', $1)`, [JSON.stringify({ type: 'execute-snapshot', tables: [`${id}.items`] })]);
    const read = new Map<number, number>();
    let open: SourceRecord[] = [];
    let polls = 0;
    let drops = 0;
    const deadline = Date.now() + 60_000;
    const done = (records: readonly SourceRecord[]) => records.some((r) => r.positionOnly && (r.sourceOffset as { snapshot?: string }).snapshot === 'done');
    let finished = false;
    while (!finished && Date.now() < deadline) {
      let batch: SourceRecord[];
      try {
        batch = await t.poll(signal());
      } catch (err) {
        if (!(err instanceof ConnectionError)) throw err;
        if (open.length > 0) {
          // The worker aborts the Kafka transaction left open and starts a new session from Kafka.
          open = [];
          await t.stop();
          t = task(slot, 2, 4);
          await t.start(staticOffsets([...stored.values()]));
        }
        continue;
      }
      if (batch.length === 0) continue;
      polls++;
      open.push(...batch);
      if (!batch.at(-1)?.inTransaction) {
        for (const r of open) {
          const n = idOf(r);
          if (n !== undefined && (r.value as { op: string }).op === 'r') read.set(n, (read.get(n) ?? 0) + 1);
        }
        finished = done(open);
        positions(open, stored);
        await t.commit(open);
        open = [];
      }
      // Drop the connection every few polls, while chunks wait in the queue.
      if (polls % 3 === 0 && drops < 8) {
        const [row] = await sql<{ pid: number | null }[]>`select active_pid as pid from pg_replication_slots where slot_name = ${slot}`;
        if (row?.pid) {
          drops++;
          await sql`select pg_terminate_backend(${row.pid})`;
        }
      }
    }
    await t.stop();
    expect(finished).toBe(true);
    expect(drops).toBeGreaterThan(2);
    const missing = Array.from({ length: 60 }, (_, i) => 1000 + i).filter((k) => !read.has(k));
    expect(missing).toEqual([]);
  }, 90_000);
});

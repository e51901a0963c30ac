import { ConnectionError, type PluginContext, parseConfig, type SourceOffset, type SourceRecord } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask } from './replication-task.ts';
import { postgresSourceConfigSchema } from '../config.ts';
import { dropReplicationFixtures } from './replication-fixtures.test-support.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_streamfail_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 4, onnotice: () => undefined });
const slots = [`${id}_value`, `${id}_handler`, `${id}_refused`];
const slot0 = () => slots[0] as string;

function task(slot: string, ctx: PluginContext = noopContext(), pollIntervalMs = 20) {
  const config = parseConfig(postgresSourceConfigSchema, {
    mode: 'logical',
    url,
    tables: [`${id}.hosts`],
    topicTemplate: 't',
    slot,
    publication: id,
    batchSize: 2,
    pollIntervalMs,
  });
  const t = new LogicalReplicationTask(config, ctx);
  tasks.push(t);
  return t;
}

/** Every task a test started: stopped after the tests (a failed assertion must not leave a slot held). */
const tasks: LogicalReplicationTask[] = [];

type Value = { after: { id: number } | null };

/**
 * Drives a task as the source worker does: each batch "in Kafka" at once (commit, positions
 * stored), a failed poll retried, and, when it failed with a Kafka transaction open (a source
 * transaction handed out in part), a new session from the stored positions. Watches the slot:
 * `confirmed_flush_lsn` must never pass `guard` before every id of `guarded` came.
 */
async function drive(
  slot: string,
  ctx: PluginContext,
  write: () => Promise<{ lsn: string; ids: number[] }>,
  until: (ids: number[]) => boolean,
  opts: { timeoutMs?: number; pollIntervalMs?: number } = {},
) {
  const newTask = () => task(slot, ctx, opts.pollIntervalMs);
  const stored = new Map<string, [Record<string, string>, SourceOffset]>();
  const ids: number[] = [];
  const deadLettered: SourceRecord[] = [];
  let failures = 0;
  let passedEarly: string | undefined;
  let t = newTask();
  await t.start(staticOffsets([]));
  // The (empty) initial snapshot ends on the first poll; its positions are stored.
  for (const r of await t.poll(new AbortController().signal)) stored.set(JSON.stringify(r.sourcePartition), [r.sourcePartition, r.sourceOffset]);
  // Written while the worker waits in a poll (as a live stream mostly finds it).
  const writing = new Promise((resolve) => setTimeout(resolve, 300)).then(write);
  writing.catch(() => undefined);
  let open: SourceRecord[] = [];
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (!until(ids) && Date.now() < deadline) {
    let batch: SourceRecord[];
    try {
      batch = await t.poll(new AbortController().signal);
    } catch (err) {
      if (!(err instanceof ConnectionError)) throw err;
      failures++;
      if (open.length > 0) {
        // The worker aborts the open Kafka transaction and starts a new session from Kafka.
        open = [];
        await t.stop();
        t = newTask();
        await t.start(staticOffsets([...stored.values()]));
      }
      continue;
    }
    open.push(...batch);
    if (batch.length === 0 || batch.at(-1)?.inTransaction) continue;
    for (const r of open) {
      if (r.failure) deadLettered.push(r);
      else if (!r.positionOnly && r.value !== null) ids.push((r.value as Value).after?.id ?? -1);
      stored.set(JSON.stringify(r.sourcePartition), [r.sourcePartition, r.sourceOffset]);
    }
    await t.commit(open);
    open = [];
    await new Promise((resolve) => setTimeout(resolve, 50)); // the standby status reaches PostgreSQL
    const guard = await writing;
    const [slotRow] = await sql<{ past: boolean }[]>`select confirmed_flush_lsn > ${guard.lsn}::pg_lsn as past from pg_replication_slots where slot_name = ${slot}`;
    const seen = guard.ids.every((g) => ids.includes(g) || deadLettered.some((d) => (d.value as { id?: string }).id === String(g)));
    if (slotRow?.past && !seen) passedEarly ??= `confirmed past ${guard.lsn} with ids ${ids.join(',')}`;
  }
  await t.stop();
  await writing;
  return { ids, deadLettered, failures, passedEarly };
}

/** Inserts in one transaction (then runs `last` in it); returns the WAL position before its commit (the commit record starts after it). */
async function insertInOne(rows: string[], last?: string): Promise<string> {
  let lsn = '';
  await sql.begin(async (tx) => {
    for (const row of rows) await tx.unsafe(`insert into "${id}".hosts ${row}`);
    if (last) await tx.unsafe(last);
    const [row] = await tx.unsafe<{ lsn: string }[]>('select pg_current_wal_insert_lsn()::text as lsn');
    lsn = row?.lsn ?? '';
  });
  return lsn;
}

beforeAll(async () => {
  await sql.unsafe(`create schema if not exists "${id}"`);
  await sql.unsafe(`create table "${id}".hosts (id int primary key, ips inet[], note text, seen timestamptz)`);
});

afterAll(async () => {
  for (const t of tasks) await t.stop().catch(() => undefined);
  await dropReplicationFixtures(sql, id);
  await sql.end();
});

describe('a change the stream cannot handle is never skipped', () => {
  it('a value the stream cannot read arrives (or is dead-lettered), or holds the stream: the slot is never confirmed past it', async () => {
    // An inet[] of one or three elements: the replication library's own array parser refused them.
    const write = async () => {
      const lsn = await insertInOne([`values (1, '{10.0.0.1}', 'one element')`, `values (2, '{10.0.0.1,10.0.0.2,10.0.0.3}', 'three')`]);
      await insertInOne([`values (3, null, 'later')`]);
      return { lsn, ids: [1, 2] };
    };
    const result = await drive(slot0(), noopContext(), write, (ids) => ids.includes(3), { timeoutMs: 15_000 });
    expect(result.passedEarly).toBeUndefined();
    const arrived = [...result.ids, ...result.deadLettered.map((d) => Number((d.value as { id: string }).id))].filter((i) => i > 0).sort();
    // Either every row came (converted, or dead-lettered naming its column), or none after the one that cannot be read.
    expect([[1, 2, 3], []]).toContainEqual(arrived);
    if (arrived.length === 0) expect(result.failures).toBeGreaterThan(1);
  }, 90_000);

  it('a value no Avro type holds is dead-lettered naming table, column and reason, and the stream goes on', async () => {
    // Past 294247-01-10 the microseconds since 1970 do not fit a long: the one documented refusal.
    const write = async () => {
      const lsn = await insertInOne([`values (21, null, 'far future', '294270-01-01 00:00:00+00')`, `values (22, null, 'beside it', now())`]);
      await insertInOne([`values (23, null, 'later', now())`]);
      return { lsn, ids: [21] };
    };
    const result = await drive(slots[2] as string, noopContext(), write, (ids) => ids.includes(23));
    expect(result.passedEarly).toBeUndefined();
    expect(result.ids.filter((i) => i > 20)).toEqual([22, 23]);
    expect(result.deadLettered.map((d) => (d.value as { id: string }).id)).toEqual(['21']);
    expect(result.deadLettered[0]?.failure?.message).toMatch(new RegExp(`${id}\\.hosts: column seen: .+`));
  }, 90_000);

  it('a failure while handling a message of a source transaction: the transaction comes whole after the restart, never in part', async () => {
    const slot = slots[1] as string;
    let armed = true;
    const base = noopContext();
    const ctx: PluginContext = {
      ...base,
      logger: {
        ...base.logger,
        warn: (obj: unknown, msg?: string) => {
          if (armed && msg?.includes('not JSON')) {
            armed = false;
            throw new Error('injected failure while handling a message');
          }
          base.logger.warn(obj as object, msg as string);
        },
      } as PluginContext['logger'],
    };
    const write = async () => {
      const lsn = await insertInOne([`values (11, null, 'a')`, `values (12, null, 'b')`], `select pg_logical_emit_message(true, 'buyonline-signal', 'not json')`);
      await insertInOne([`values (14, null, 'later')`]);
      return { lsn, ids: [11, 12] };
    };
    const result = await drive(slot, ctx, write, (ids) => ids.includes(14), { pollIntervalMs: 2_000 });
    expect(armed).toBe(false);
    expect(result.failures).toBeGreaterThan(0);
    expect(result.passedEarly).toBeUndefined();
    expect(result.ids.filter((i) => i > 10)).toEqual([11, 12, 14]);
  }, 90_000);
});

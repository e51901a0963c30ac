import { parseConfig, type SourceRecord } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask } from './replication-task.ts';
import { postgresSourceConfigSchema } from '../config.ts';
import { SIGNAL_PREFIX } from './stream-decoder.ts';
import { dropReplicationFixtures } from './replication-fixtures.test-support.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_bounds_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 4, onnotice: () => undefined });

type Offset = { snapshot?: string; lsn?: string };
const signal = () => new AbortController().signal;

beforeAll(async () => {
  await sql.unsafe(`create schema if not exists "${id}"`);
  await sql.unsafe(`create table "${id}".items (id int primary key)`);
});

/** The task of the test: stopped after it (a failed assertion must not leave the slot held). */
let started: LogicalReplicationTask | undefined;

afterAll(async () => {
  await started?.stop().catch(() => undefined);
  await dropReplicationFixtures(sql, id);
  await sql.end();
});

describe('a Kafka transaction ends only where a source transaction ends', () => {
  it('a signal inside a large source transaction, and the chunks it starts, never close the Kafka transaction before the source transaction ends', async () => {
    const config = parseConfig(postgresSourceConfigSchema, {
      mode: 'logical',
      url,
      tables: [`${id}.items`],
      topicTemplate: 't',
      slot: id,
      publication: id,
      // One record a poll: a batch can end after any record.
      batchSize: 1,
      snapshotChunkSize: 3,
      pollIntervalMs: 20,
    });
    const t = new LogicalReplicationTask(config, noopContext());
    started = t;
    await t.start(staticOffsets([]));
    const first = await t.poll(signal());
    await t.commit(first);

    await sql.begin(async (tx) => {
      await tx.unsafe(`insert into "${id}".items select g from generate_series(1, 5) g`);
      await tx.unsafe(`select pg_logical_emit_message(true, '${SIGNAL_PREFIX}', $1)`, [JSON.stringify({ type: 'execute-snapshot', tables: [`${id}.items`] })]);
      await tx.unsafe(`insert into "${id}".items select g from generate_series(6, 10) g`);
    });

    // Every batch until the incremental snapshot the signal asked for is done, committed as the worker does.
    const batches: SourceRecord[][] = [];
    let open: SourceRecord[] = [];
    const deadline = Date.now() + 30_000;
    const done = () => batches.flat().some((r) => r.positionOnly && (r.sourceOffset as Offset).snapshot === 'done');
    while (!done() && Date.now() < deadline) {
      const batch = await t.poll(signal());
      if (batch.length === 0) continue;
      batches.push(batch);
      open.push(...batch);
      if (batch.at(-1)?.inTransaction) continue;
      await t.commit(open);
      open = [];
    }
    await t.stop();
    expect(done()).toBe(true);
    // The worker closes its Kafka transaction after a batch whose last record is not inside a
    // source transaction: that must be the record closing a source transaction (the stream's position).
    const closing = batches.map((b) => b.at(-1) as SourceRecord).filter((r) => !r.inTransaction);
    const misplaced = closing.filter((r) => 'table' in r.sourcePartition).map((r) => JSON.stringify(r.sourceOffset));
    expect(misplaced).toEqual([]);
    // The signal's table position went out with its transaction, and was closed by it.
    const all = batches.flat();
    const queued = all.findIndex((r) => r.positionOnly && (r.sourceOffset as Offset).snapshot === 'incremental');
    expect(queued).toBeGreaterThan(all.findIndex((r) => !r.positionOnly && (r.value as { after: { id: number } }).after.id === 10));
  }, 60_000);
});

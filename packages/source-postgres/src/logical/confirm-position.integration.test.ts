import { noopContext, parseConfig, type SourceOffset, type SourceRecord, staticOffsets } from '@buyonline/connect-api';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask, migrateProducts, postgresSourceConfigSchema } from '../index.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_confirm_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 4, onnotice: () => undefined });

function task() {
  const config = parseConfig(postgresSourceConfigSchema, {
    mode: 'logical',
    url,
    table: `${id}.products`,
    topic: 't',
    slot: id,
    publication: id,
    batchSize: 1,
    pollIntervalMs: 50,
  });
  return new LogicalReplicationTask(config, noopContext());
}

type Value = { op: string; after: { name: string } | null; source: { lsn: string } };
const dataRecords = (records: readonly SourceRecord[]) => records.filter((r) => !r.positionOnly && r.value !== null);
const nameOf = (r: SourceRecord) => (r.value as Value).after?.name;

/** Polls until a record of the given row name arrives (or the deadline passes); returns what came, in order. */
async function pollFor(t: LogicalReplicationTask, name: string, timeoutMs = 30_000): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const batch = await t.poll(new AbortController().signal);
    out.push(...batch);
    if (dataRecords(batch).some((r) => nameOf(r) === name)) {
      // Hand out the rest of that transaction too (its commit marker closes it).
      while (out.at(-1)?.inTransaction) out.push(...(await t.poll(new AbortController().signal)));
      return out;
    }
  }
  return out;
}

/** Two transactions whose COMMITs go out together: their commit records sit side by side in the WAL. */
async function pairedCommits(a: string, b: string): Promise<void> {
  const [c1, c2] = [await sql.reserve(), await sql.reserve()];
  try {
    await c1.unsafe('begin');
    await c2.unsafe('begin');
    await c1.unsafe(`insert into "${id}".products (name, price) values ($1, 1)`, [a]);
    await c2.unsafe(`insert into "${id}".products (name, price) values ($1, 2)`, [b]);
    await c1.unsafe('commit');
    await c2.unsafe('commit');
  } finally {
    c1.release();
    c2.release();
  }
}

beforeAll(async () => {
  await migrateProducts(sql, id, 'products');
});

afterAll(async () => {
  await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${id} and not active`.catch(() => undefined);
  await sql.unsafe(`drop publication if exists "${id}"`);
  await sql.unsafe(`drop schema if exists "${id}" cascade`);
  await sql.end();
});

describe('confirming the slot at a commit end', () => {
  it('a transaction whose commit record starts exactly where the confirmed one ends is streamed again after a restart', async () => {
    let stored: SourceOffset | undefined;
    let partition: Record<string, string> = {};
    let adjacent = 0;
    for (let pair = 0; pair < 5; pair++) {
      const t = task();
      await t.start(staticOffsets(stored ? [[partition, stored]] : []));
      await t.poll(new AbortController().signal); // the (empty) initial snapshot ends on the first poll
      await pairedCommits(`first ${pair}`, `second ${pair}`);
      // The first transaction arrives, is "in Kafka", and is confirmed as the worker does it.
      const first = await pollFor(t, `first ${pair}`);
      const closing = first.at(-1) as SourceRecord;
      expect(closing.inTransaction).toBeFalsy();
      await t.commit(first.slice(-1));
      stored = closing.sourceOffset;
      partition = closing.sourcePartition;
      // The second is read but never reaches Kafka: the producer dies here.
      const second = await pollFor(t, `second ${pair}`);
      const secondRecord = dataRecords(second).find((r) => nameOf(r) === `second ${pair}`);
      expect(secondRecord).toBeDefined();
      if ((secondRecord?.value as Value | undefined)?.source.lsn === (stored as { lsn: string }).lsn) adjacent++;
      await t.stop();

      // A new producer resumes from the stored position: the second transaction must come again.
      const again = task();
      await again.start(staticOffsets([[partition, stored]]));
      const replayed = await pollFor(again, `second ${pair}`);
      expect(dataRecords(replayed).map(nameOf)).toEqual([`second ${pair}`]);
      const end = replayed.at(-1) as SourceRecord;
      await again.commit([end]);
      stored = end.sourceOffset;
      await again.stop();
    }
    // The pairs really were side by side (the commit record of the second starts at the end of the first).
    expect(adjacent).toBeGreaterThan(0);
  }, 120_000);
});

import { ConfigError, parseConfig, type SourceOffset, type SourcePartition, type SourceRecord } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSourceConfigSchema } from '../config.ts';
import { LogicalReplicationTask } from './replication-task.ts';
import { SIGNAL_PREFIX } from './stream-decoder.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_multi_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 4, onnotice: () => undefined });

function task(name: string, overrides: Record<string, unknown> = {}) {
  const config = parseConfig(postgresSourceConfigSchema, {
    mode: 'logical',
    url,
    tables: [`${id}.orders`, `${id}.lines`, `${id}.events`, `${id}.measures`],
    topicPrefix: 'shop',
    slot: `${id}_${name}`,
    publication: `${id}_${name}`,
    snapshotChunkSize: 3,
    snapshotParallelism: 2,
    pollIntervalMs: 20,
    ...overrides,
  });
  return new LogicalReplicationTask(config, noopContext());
}

/** Plays the worker: polls, "commits" each Kafka transaction, keeps the stored positions; stops when `done` says so. */
class Harness {
  readonly records: SourceRecord[] = [];
  readonly stored = new Map<string, [SourcePartition, SourceOffset]>();
  private pending: [SourcePartition, SourceOffset][] = [];
  private open: SourceRecord[] = [];

  async run(t: LogicalReplicationTask, done: (h: Harness) => boolean, maxPolls = 2000): Promise<void> {
    for (let polls = 0; polls < maxPolls && !done(this); polls++) {
      const batch = await t.poll(new AbortController().signal);
      if (batch.length === 0) continue;
      for (const r of batch) {
        if (!r.inTransaction) this.pending.push([r.sourcePartition, r.sourceOffset]);
        if (!r.positionOnly) this.open.push(r);
      }
      if (batch.at(-1)?.inTransaction) continue;
      this.records.push(...this.open);
      for (const [p, o] of this.pending) this.stored.set(JSON.stringify(p), [p, o]);
      this.open = [];
      this.pending = [];
      await t.commit(batch);
    }
  }

  positions(): [SourcePartition, SourceOffset][] {
    return [...this.stored.values()];
  }

  of(topic: string): SourceRecord[] {
    return this.records.filter((r) => r.topic === topic);
  }
}

const op = (r: SourceRecord) => (r.value as { op: string } | null)?.op ?? 'tombstone';
const after = (r: SourceRecord) => (r.value as { after: Record<string, unknown> | null } | null)?.after;

beforeAll(async () => {
  await sql.unsafe(`create schema "${id}"`);
  await sql.unsafe(`create table "${id}".orders (id bigint primary key, customer text not null, total numeric(10,2))`);
  // A composite key whose order differs from the column order.
  await sql.unsafe(`create table "${id}".lines (qty int, line int, order_id bigint, primary key (order_id, line))`);
  await sql.unsafe(`create table "${id}".events (at timestamptz, kind text)`);
  await sql.unsafe(`alter table "${id}".events replica identity full`);
  await sql.unsafe(`create table "${id}".measures (id int, region text, v int, primary key (region, id)) partition by list (region)`);
  await sql.unsafe(`create table "${id}".measures_eu partition of "${id}".measures for values in ('eu')`);
  await sql.unsafe(`create table "${id}".measures_us partition of "${id}".measures for values in ('us')`);
  await sql.unsafe(`create table "${id}".later (id int primary key, v int)`);
  await sql.unsafe(`create table "${id}".nokey (v int)`);
  await sql.unsafe(`insert into "${id}".orders select g, 'c' || g, g * 1.5 from generate_series(1, 10) g`);
  await sql.unsafe(`insert into "${id}".lines select 1, l, o from generate_series(1, 4) o, generate_series(1, 2) l`);
  await sql.unsafe(`insert into "${id}".events values ('2024-01-01T00:00:00Z', 'a'), ('2024-01-02T00:00:00Z', 'b')`);
  await sql.unsafe(`insert into "${id}".measures values (1, 'eu', 10), (2, 'us', 20), (3, 'eu', 30)`);
  await sql.unsafe(`insert into "${id}".later select g, 0 from generate_series(1, 50) g`);
});

afterAll(async () => {
  await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name like ${`${id}%`} and not active`.catch(() => undefined);
  const pubs = await sql<{ pubname: string }[]>`select pubname from pg_publication where pubname like ${`${id}%`}`;
  for (const p of pubs) await sql.unsafe(`drop publication "${p.pubname}"`);
  await sql.unsafe(`drop schema if exists "${id}" cascade`);
  await sql.end();
});

describe('many tables over one slot', () => {
  it('snapshots every table, then streams each to its own topic with schemas named after it; composite, keyless and partitioned tables work', async () => {
    const t = task('all');
    const h = new Harness();
    try {
      await t.start(staticOffsets());
      await h.run(t, (x) => x.stored.has(JSON.stringify({ db: 'buyonline', slot: `${id}_all` })) || x.records.length >= 10 + 8 + 2 + 3);
      await h.run(t, (x) => [...x.stored.values()].some(([p, o]) => p.table === undefined && o.phase === 'stream'));
      expect(h.of(`shop.${id}.orders`).map(op)).toEqual(Array(10).fill('r'));
      expect(h.of(`shop.${id}.lines`)).toHaveLength(8);
      expect(h.of(`shop.${id}.events`)).toHaveLength(2);
      expect(h.of(`shop.${id}.measures`)).toHaveLength(3);

      const line = h.of(`shop.${id}.lines`)[0] as SourceRecord;
      expect(line.keySchema).toMatchObject({ name: 'Key', namespace: `shop.${id}.lines`, fields: [{ name: 'order_id' }, { name: 'line' }] });
      expect(Object.keys(line.key as object)).toEqual(['order_id', 'line']);
      expect(line.valueSchema).toMatchObject({ name: 'Envelope', namespace: `shop.${id}.lines` });
      const event = h.of(`shop.${id}.events`)[0] as SourceRecord;
      expect(event.key).toBeNull();
      expect(event.keySchema).toBeNull();

      await sql.unsafe(`update "${id}".lines set qty = 5 where order_id = 2 and line = 1`);
      await sql.unsafe(`insert into "${id}".measures values (4, 'us', 40)`);
      await sql.unsafe(`delete from "${id}".events where kind = 'a'`);
      await sql.begin(async (tx) => {
        await tx.unsafe(`insert into "${id}".orders values (11, 'x', 1)`);
        await tx.unsafe(`update "${id}".measures set v = 31 where id = 3 and region = 'eu'`);
      });
      const before = h.records.length;
      await h.run(t, (x) => x.records.length >= before + 5);
      const changes = h.records.slice(before).map((r) => [r.topic.split('.').at(-1), op(r)]);
      expect(changes).toEqual([
        ['lines', 'u'],
        ['measures', 'c'],
        ['events', 'd'], // keyless: no tombstone
        ['orders', 'c'],
        ['measures', 'u'],
      ]);
      expect(after(h.records.at(-1) as SourceRecord)).toMatchObject({ id: 3, region: 'eu', v: 31 });
    } finally {
      await t.stop();
    }
  }, 60_000);

  it('resumes an interrupted snapshot table by table, losing and doubling no row', async () => {
    const first = task('resume', { snapshotParallelism: 1 });
    const h = new Harness();
    await first.start(staticOffsets());
    // Tables go in name order: events (2), lines (8), then the first chunk of measures.
    await h.run(first, (x) => x.records.length >= 12);
    await first.stop();
    expect(h.of(`shop.${id}.measures`).map((r) => r.key)).toEqual([
      { region: 'eu', id: 1 },
      { region: 'eu', id: 3 },
      { region: 'us', id: 2 },
    ]);
    // While the producer is down: a table already read, a key of measures below the resume point, one above it.
    await sql.unsafe(`update "${id}".lines set qty = 7 where order_id = 1 and line = 1`);
    await sql.unsafe(`update "${id}".measures set v = 11 where region = 'eu' and id = 1`);
    await sql.unsafe(`update "${id}".measures set v = 41 where region = 'us' and id = 4`);
    const again = task('resume', { snapshotParallelism: 1 });
    try {
      await again.start(staticOffsets(h.positions()));
      await h.run(again, (x) => [...x.stored.values()].some(([p, o]) => p.table === undefined && o.phase === 'stream'));
      await h.run(again, (x) => x.records.filter((r) => op(r) === 'u').length >= 2, 200);
      const keyed = h.records.filter((r) => r.key !== null && op(r) === 'r').map((r) => `${r.topic}:${JSON.stringify(r.key)}`);
      expect(new Set(keyed).size).toBe(keyed.length); // no keyed row read twice
      expect(h.of(`shop.${id}.orders`).filter((r) => op(r) === 'r')).toHaveLength(11);
      expect(h.of(`shop.${id}.lines`).filter((r) => op(r) === 'r')).toHaveLength(8);
      expect(h.of(`shop.${id}.measures`).map((r) => [op(r), r.key, (after(r) as { v: number }).v])).toEqual([
        ['r', { region: 'eu', id: 1 }, 10],
        ['r', { region: 'eu', id: 3 }, 31],
        ['r', { region: 'us', id: 2 }, 20],
        ['r', { region: 'us', id: 4 }, 41], // read after the update: the update itself is dropped
        ['u', { region: 'eu', id: 1 }, 11],
      ]);
      expect(h.of(`shop.${id}.lines`).filter((r) => op(r) === 'u').map((r) => r.key)).toEqual([{ order_id: 1, line: 1 }]);
    } finally {
      await again.stop();
    }
  }, 60_000);
});

describe('a table added later', () => {
  it('is snapshotted in watermarked chunks while its changes stream, without dropping the slot: every key ends at its latest state, none lost', async () => {
    const tables = [`${id}.orders`];
    const first = task('later', { tables });
    const h = new Harness();
    await first.start(staticOffsets());
    await h.run(first, (x) => [...x.stored.values()].some(([p, o]) => p.table === undefined && o.phase === 'stream'));
    await first.stop();
    const slot = (await sql`select active from pg_replication_slots where slot_name = ${`${id}_later`}`)[0];
    expect(slot).toBeDefined();

    const again = task('later', { tables: [...tables, `${id}.later`], snapshotChunkSize: 7 });
    try {
      await again.start(staticOffsets(h.positions()));
      // Changes while the chunks are read: updates, a delete and an insert of the new table.
      let writes = 0;
      const writer = (async () => {
        for (let i = 1; i <= 25; i++) {
          await sql.unsafe(`update "${id}".later set v = ${i} where id = ${i * 2}`);
          writes++;
          await new Promise((r) => setTimeout(r, 5));
        }
        await sql.unsafe(`delete from "${id}".later where id = 3`);
        await sql.unsafe(`insert into "${id}".later values (51, 51)`);
      })();
      await h.run(again, (x) => [...x.stored.values()].some(([p, o]) => p.table === `${id}.later` && o.snapshot === 'done') && writes === 25, 5000);
      await writer;
      await h.run(again, (x) => x.of(`shop.${id}.later`).some((r) => (r.key as { id: number } | null)?.id === 51));
      const latest = new Map<number, number | null>();
      for (const r of h.of(`shop.${id}.later`)) {
        const key = (r.key as { id: number }).id;
        if (r.value === null || op(r) === 'd') latest.set(key, null);
        else latest.set(key, (after(r) as { v: number }).v);
      }
      const rows = await sql<{ id: number; v: number }[]>`select id, v from ${sql(id)}.later order by id`;
      expect(Object.fromEntries([...latest].filter(([, v]) => v !== null))).toEqual(Object.fromEntries(rows.map((r) => [r.id, r.v])));
      expect(h.of(`shop.${id}.later`).filter((r) => op(r) === 'r').length).toBeGreaterThan(0);
    } finally {
      await again.stop();
    }
  }, 90_000);

  it('is snapshotted again on an execute-snapshot signal', async () => {
    const t = task('signal', { tables: [`${id}.orders`] });
    const h = new Harness();
    try {
      await t.start(staticOffsets());
      await h.run(t, (x) => [...x.stored.values()].some(([p, o]) => p.table === undefined && o.phase === 'stream'));
      const reads = h.records.length;
      await sql`select pg_logical_emit_message(true, ${SIGNAL_PREFIX}, ${JSON.stringify({ type: 'execute-snapshot', data: { 'data-collections': [`${id}.orders`] } })})`;
      await h.run(t, (x) => [...x.stored.values()].some(([p, o]) => p.table === `${id}.orders` && o.snapshot === 'done' && x.records.length > reads));
      const again = h.records.slice(reads);
      expect(again.map(op)).toEqual(Array(11).fill('r'));
    } finally {
      await t.stop();
    }
  }, 60_000);

  it('reads only the key ranges an execute-snapshot signal names (after, upTo], composite keys too (verify --repair)', async () => {
    const t = task('ranges', { tables: [`${id}.orders`, `${id}.lines`] });
    const h = new Harness();
    try {
      await t.start(staticOffsets());
      await h.run(t, (x) => [...x.stored.values()].some(([p, o]) => p.table === undefined && o.phase === 'stream'));
      const reads = h.records.length;
      const signal = (table: string, ranges: unknown) => JSON.stringify({ type: 'execute-snapshot', data: { 'data-collections': [`${id}.${table}`], ranges } });
      await sql`select pg_logical_emit_message(true, ${SIGNAL_PREFIX}, ${signal('orders', [
        { after: '2', upTo: '4' },
        { after: '8', upTo: '10' },
      ])})`;
      await sql`select pg_logical_emit_message(true, ${SIGNAL_PREFIX}, ${signal('lines', [{ after: '["1","2"]', upTo: '["3","1"]' }])})`;
      const done = (x: Harness, table: string) => [...x.stored.values()].some(([p, o]) => p.table === `${id}.${table}` && o.snapshot === 'done' && x.records.length > reads);
      await h.run(t, (x) => done(x, 'orders') && done(x, 'lines'));
      const again = h.records.slice(reads);
      expect(again.map(op).every((o) => o === 'r')).toBe(true);
      expect(again.filter((r) => r.topic.endsWith('.orders')).map((r) => (r.key as { id: number }).id)).toEqual([3, 4, 9, 10]);
      expect(again.filter((r) => r.topic.endsWith('.lines')).map((r) => Object.values(r.key as object).join('/'))).toEqual(['2/1', '2/2', '3/1']);
      // the ranges are dropped from the stored position once read
      expect([...h.stored.values()].filter(([p]) => p.table !== undefined).every(([, o]) => o.ranges === undefined)).toBe(true);
    } finally {
      await t.stop();
    }
  }, 60_000);
});

describe('refused', () => {
  it('a table without a primary key and without REPLICA IDENTITY FULL, naming it and both ways out', async () => {
    const t = task('nokey', { tables: [`${id}.nokey`] });
    try {
      const err = await t.start(staticOffsets()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(new RegExp(`${id}.nokey has no primary key.*REPLICA IDENTITY FULL`));
    } finally {
      await t.stop();
    }
  });
});

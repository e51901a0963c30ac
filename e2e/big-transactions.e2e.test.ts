import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from './support/kafka-topic.ts';
import { Scenario, waitFor } from './support/scenario.ts';

const endpoints = inject('endpoints');
/** Rows of the big insert (E2E_BIG_TX_ROWS to try other sizes); a tenth of them are deleted in one transaction. */
const INSERTED = Number(process.env.E2E_BIG_TX_ROWS ?? 1_000_000);
const DELETED = INSERTED / 10;

interface Tally {
  lines: number;
  duplicatedOffsets: number;
  created: Map<number, number>;
  deleted: Map<number, number>;
}

/** Streams every stage line of the topic (a million lines do not fit in a test's memory as objects). */
async function tallyStage(root: string, topic: string): Promise<Tally> {
  const tally: Tally = { lines: 0, duplicatedOffsets: 0, created: new Map(), deleted: new Map() };
  const seen = new Set<string>();
  const dir = join(root, topic);
  for (const partition of readdirSync(dir)) {
    for (const name of readdirSync(join(dir, partition))) {
      if (!name.endsWith('.jsonl')) continue;
      const lines = createInterface({ input: createReadStream(join(dir, partition, name)), crlfDelay: Number.POSITIVE_INFINITY });
      for await (const raw of lines) {
        if (!raw) continue;
        const line = JSON.parse(raw) as { id: number; __op: string; __kafka: { partition: number; offset: number } };
        tally.lines++;
        const at = `${line.__kafka.partition}:${line.__kafka.offset}`;
        if (seen.has(at)) tally.duplicatedOffsets++;
        seen.add(at);
        const counts = line.__op === 'c' ? tally.created : line.__op === 'd' ? tally.deleted : undefined;
        counts?.set(line.id, (counts.get(line.id) ?? 0) + 1);
      }
    }
  }
  return tally;
}

describe('PostgreSQL transactions of any size (log-based capture)', () => {
  const scenario = new Scenario('bigtx', endpoints);
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(0));

  it(`streams one transaction of ${INSERTED.toLocaleString('en')} inserts and one of ${DELETED.toLocaleString('en')} deletes whole and exactly once; a row too large for Kafka is dead-lettered and the stream goes on`, async () => {
    const producer = scenario.producer('producer').start();
    await scenario.sql.unsafe(`insert into ${scenario.table} (name, category, price) values ('warm-up', 'w', 1)`);
    await waitFor('the warm-up row in Kafka', async () => ((await readTopic(endpoints.brokers, scenario.topic)).length > 0 ? true : undefined), 60_000, 500);

    await scenario.sql.unsafe(
      `insert into ${scenario.table} (name, category, price) select 'bulk ' || g, 'bulk', (g % 1000) / 4.0 from generate_series(1, ${INSERTED}) g`,
    );
    await scenario.sql.unsafe(`delete from ${scenario.table} where id in (select id from ${scenario.table} where category = 'bulk' order by id limit ${DELETED})`);
    // A single row larger than the largest record Kafka takes (1 MB by default).
    await scenario.sql.unsafe(`insert into ${scenario.table} (name, category, price) values (repeat('x', 1500000), 'huge', 1)`);
    await scenario.sql.unsafe(`insert into ${scenario.table} (name, category, price) values ('after the huge one', 'tail', 1)`);

    // The slot is confirmed only after Kafka committed: once it passes the last insert, everything is in Kafka.
    const [{ lsn = '' } = {}] = await scenario.sql<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`;
    await waitFor('the slot to be confirmed past the last insert', async () => {
      const [slot] = await scenario.sql<{ done: boolean }[]>`
        select confirmed_flush_lsn >= ${lsn}::pg_lsn as done from pg_replication_slots where slot_name = ${scenario.slot}`;
      return slot?.done ? true : undefined;
    }, 900_000, 2_000);
    const dead = await readTopic(endpoints.brokers, `${scenario.topic}.source-dlq`);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.headers['dlq.error.message']).toMatch(/larger than the largest record/);
    const peakRss = producer.peakRssBytes() ?? 0;
    expect(producer.running).toBe(true); // no crash loop: the same process went through it all

    const batch = await scenario.consumer('batch', 'batch').start().wait(900_000);
    expect(batch).toBe(0);
    const tally = await tallyStage(scenario.stageDir, scenario.topic);
    const rows = await scenario.sql.unsafe<{ id: number; category: string }[]>(`select id::int as id, category from ${scenario.table} where category in ('bulk', 'tail')`);
    const [{ min = 0, max = 0 } = {}] = await scenario.sql.unsafe<{ min: number; max: number }[]>(
      `select min(id)::int as min, max(id)::int as max from ${scenario.table} where category = 'bulk'`,
    );
    expect(tally.duplicatedOffsets).toBe(0);
    // Every inserted row once (including the deleted ones), every deleted row's delete once.
    const bulkIds = max - min + 1 + DELETED;
    expect(bulkIds).toBe(INSERTED);
    const firstBulk = max - INSERTED + 1;
    let missing = 0;
    let doubled = 0;
    for (let id = firstBulk; id <= max; id++) {
      const n = tally.created.get(id) ?? 0;
      if (n === 0) missing++;
      if (n > 1) doubled++;
    }
    expect({ missing, doubled }).toEqual({ missing: 0, doubled: 0 });
    expect(tally.deleted.size).toBe(DELETED);
    expect([...tally.deleted.values()].every((n) => n === 1)).toBe(true);
    expect(rows.length).toBe(INSERTED - DELETED + 1);
    const tail = rows.find((r) => r.category === 'tail');
    expect(tail && tally.created.get(tail.id)).toBe(1);

    process.stdout.write(`[e2e] big transactions: ${tally.lines} stage lines; producer peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB\n`);
    expect(await producer.terminate()).toBe(0);
  }, 1_800_000);
});

import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { AppProcess } from './support/app-process.ts';
import { readTopic } from './support/kafka-topic.ts';
import { Scenario, waitFor } from './support/scenario.ts';

const endpoints = inject('endpoints');

/** The producer's default MAX_RECORD_BYTES: a record (key + value + headers) larger than this is dead-lettered. */
const MAX_RECORD_BYTES = 1_000_000;

interface WideTable {
  name: string;
  /** Characters of each row's text. */
  bodyChars: number;
  snapshotRows: number;
  /** Rows inserted once the slot exists, in one transaction first, then in small ones. */
  bigTransactionRows: number;
  smallTransactions: number;
  rowsPerSmallTransaction: number;
}

const TABLES: WideTable[] = [
  // 3,000 rows of 100 KB (300 MB) snapshotted, then 1,000 more streamed.
  { name: 'wide', bodyChars: 100_000, snapshotRows: 3_000, bigTransactionRows: 600, smallTransactions: 40, rowsPerSmallTransaction: 10 },
  // Rows just under the largest record Kafka takes (the envelope around the text is well under 2 KB).
  { name: 'huge', bodyChars: MAX_RECORD_BYTES - 2_000, snapshotRows: 120, bigTransactionRows: 40, smallTransactions: 40, rowsPerSmallTransaction: 1 },
];

const streamedRows = (t: WideTable) => t.bigTransactionRows + t.smallTransactions * t.rowsPerSmallTransaction;

/** The row's text: its id's md5 repeated to `chars` characters (PostgreSQL and the check below agree on it by md5). */
const bodySql = (chars: number, id: string) => `left(repeat(md5(${id}::text), ${Math.ceil(chars / 32)}), ${chars})`;

/** Lines of the finished stage files of a topic; a file's count is read once (files are final once named). */
class StageLineCounter {
  private readonly counted = new Map<string, number>();

  constructor(private readonly dir: string) {}

  count(): number {
    if (!existsSync(this.dir)) return 0;
    let total = 0;
    for (const partition of readdirSync(this.dir)) {
      for (const name of readdirSync(join(this.dir, partition))) {
        if (!name.endsWith('.jsonl')) continue;
        const path = join(this.dir, partition, name);
        let n = this.counted.get(path);
        if (n === undefined) {
          const bytes = readFileSync(path);
          n = 0;
          for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) n++;
          this.counted.set(path, n);
        }
        total += n;
      }
    }
    return total;
  }
}

interface Tally {
  /** id → op → times seen. */
  seen: Map<number, Map<string, number>>;
  wrongBodies: number[];
  duplicatedOffsets: number;
}

/** Streams every stage line of a topic (hundreds of MB), checking each row's text against PostgreSQL's md5. */
async function tallyStage(dir: string, md5s: ReadonlyMap<number, string>): Promise<Tally> {
  const tally: Tally = { seen: new Map(), wrongBodies: [], duplicatedOffsets: 0 };
  const offsets = new Set<string>();
  for (const partition of readdirSync(dir)) {
    for (const name of readdirSync(join(dir, partition))) {
      if (!name.endsWith('.jsonl')) continue;
      const lines = createInterface({ input: createReadStream(join(dir, partition, name)), crlfDelay: Number.POSITIVE_INFINITY });
      for await (const raw of lines) {
        if (!raw) continue;
        const line = JSON.parse(raw) as { id: number; body: string; __op: string; __kafka: { partition: number; offset: number } };
        const at = `${line.__kafka.partition}:${line.__kafka.offset}`;
        if (offsets.has(at)) tally.duplicatedOffsets++;
        offsets.add(at);
        const ops = tally.seen.get(line.id) ?? new Map<string, number>();
        ops.set(line.__op, (ops.get(line.__op) ?? 0) + 1);
        tally.seen.set(line.id, ops);
        if (createHash('md5').update(line.body).digest('hex') !== md5s.get(line.id)) tally.wrongBodies.push(line.id);
      }
    }
  }
  return tally;
}

const mb = (bytes: number | undefined) => `${((bytes ?? 0) / 1024 / 1024).toFixed(0)} MB`;

function assertAlive(app: AppProcess): void {
  if (!app.running) throw new Error(`${app.name} exited (log: ${app.logFile}): ${readFileSync(app.logFile, 'utf8').slice(-1500)}`);
}

describe('wide rows under the heap the apps ship with', () => {
  const scenario = new Scenario('wide', endpoints);
  const topicOf = (t: WideTable) => `e2e.${scenario.id}.${t.name}`;
  afterAll(() => scenario.cleanup());

  it('snapshots 3,000 rows of 100 KB and 120 rows just under MAX_RECORD_BYTES, streams more of each (some in one big transaction), every row exactly once in the stage, neither app out of memory', async () => {
    const { sql, schema } = scenario;
    await sql.unsafe(`create schema "${schema}"`);
    for (const t of TABLES) {
      await sql.unsafe(`create table "${schema}".${t.name} (id int primary key, body text not null)`);
      await sql.unsafe(`insert into "${schema}".${t.name} select g, ${bodySql(t.bodyChars, 'g')} from generate_series(1, ${t.snapshotRows}) g`);
    }
    const topics = TABLES.map(topicOf);
    const producer = scenario
      .producer('producer', { PG_TABLE: TABLES.map((t) => `${schema}.${t.name}`).join(','), TOPIC: `e2e.${scenario.id}.{table}` })
      .start();
    const consumer = scenario.consumer('consumer', 'stream', { TOPIC: topics.join(',') }).start();

    // Once the slot has its consistent point, what commits is streamed, not snapshotted (the exported snapshot is of that point).
    await waitFor('the replication slot', async () => {
      assertAlive(producer);
      const [slot] = await sql<{ n: number }[]>`
        select count(*)::int as n from pg_replication_slots where slot_name = ${scenario.slot} and confirmed_flush_lsn is not null`;
      return slot?.n === 1 ? true : undefined;
    }, 60_000, 200);
    for (const t of TABLES) {
      const table = `"${schema}".${t.name}`;
      let next = t.snapshotRows + 1;
      await sql.unsafe(`insert into ${table} select g, ${bodySql(t.bodyChars, 'g')} from generate_series(${next}, ${next + t.bigTransactionRows - 1}) g`);
      next += t.bigTransactionRows;
      for (let i = 0; i < t.smallTransactions; i++) {
        await sql.unsafe(`insert into ${table} select g, ${bodySql(t.bodyChars, 'g')} from generate_series(${next}, ${next + t.rowsPerSmallTransaction - 1}) g`);
        next += t.rowsPerSmallTransaction;
      }
    }

    const counters = TABLES.map((t) => new StageLineCounter(join(scenario.stageDir, topicOf(t))));
    let counts: number[] = [];
    await waitFor('every row in the stage', () => {
      assertAlive(producer);
      assertAlive(consumer);
      counts = counters.map((c) => c.count());
      return TABLES.every((t, i) => (counts[i] ?? 0) >= t.snapshotRows + streamedRows(t)) ? true : undefined;
    }, 300_000, 1_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${TABLES.map((t, i) => `${t.name} ${counts[i]} of ${t.snapshotRows + streamedRows(t)} lines`).join(', ')}`);
    });
    const producerRss = producer.peakRssBytes();
    const consumerRss = consumer.peakRssBytes();

    for (const t of TABLES) {
      const md5s = new Map(
        (await sql.unsafe<{ id: number; md5: string }[]>(`select id, md5(body) as md5 from "${schema}".${t.name}`)).map((r) => [r.id, r.md5] as const),
      );
      expect(md5s.size).toBe(t.snapshotRows + streamedRows(t));
      const tally = await tallyStage(join(scenario.stageDir, topicOf(t)), md5s);
      expect(tally.duplicatedOffsets).toBe(0);
      expect(tally.wrongBodies).toEqual([]);
      const problems: string[] = [];
      for (const id of md5s.keys()) {
        const ops = tally.seen.get(id);
        const want = id <= t.snapshotRows ? 'r' : 'c';
        if (!ops || ops.size !== 1 || ops.get(want) !== 1) problems.push(`${t.name} id ${id}: ${ops ? JSON.stringify([...ops]) : 'missing'} (want one ${want})`);
      }
      for (const id of tally.seen.keys()) if (!md5s.has(id)) problems.push(`${t.name} id ${id}: not in PostgreSQL`);
      expect(problems.slice(0, 10)).toEqual([]);
    }
    const dead = await readTopic(endpoints.brokers, `${scenario.topic}.source-dlq`).catch(() => []);
    expect(dead).toEqual([]);

    process.stdout.write(`[e2e] wide rows: producer peak RSS ${mb(producerRss)}, consumer peak RSS ${mb(consumerRss)}\n`);
    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  }, 600_000);
});

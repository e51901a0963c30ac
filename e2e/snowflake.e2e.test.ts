import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  copyStatement,
  listStatement,
  parseListedFile,
  putStatement,
  selectLoadedStatement,
  type SnowflakeSqlTarget,
  stageFileName,
  stageLocation,
} from '@buyonline/sink-stage/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fakesnowClient, fakesnowStageEnv, fakesnowUp } from './support/fakesnow.ts';
import { groupStatus } from './support/group-status.ts';
import { readTopic } from './support/kafka-topic.ts';
import { runReconcile } from './support/reconcile.ts';
import { type PgRow, runWorkload, Scenario, sleep, waitFor } from './support/scenario.ts';

/**
 * The consumer in STAGE=snowflake mode against fakesnow (tooling/fakesnow, started here):
 * every file is PUT into an internal stage and loaded with COPY INTO, and only then is its
 * offset committed. fakesnow needs plain partition folders and whole-stage LISTs (see
 * docs/snowflake.md). The table must end up holding each Kafka record once.
 */

interface TableLine {
  id: number;
  name: string;
  category: string | null;
  price: string;
  updated_timestamp: string;
  __deleted?: boolean;
  __source: { txid: number | string | null } | null;
  __kafka: { topic: string; partition: number; offset: number };
}

/** Snapshot rows carry no txid: any change is newer. */
const txidOf = (l: TableLine): bigint => (l.__source?.txid === null || l.__source?.txid === undefined ? -1n : BigInt(l.__source.txid));

describe('Snowflake stage on fakesnow: PUT, COPY INTO with load history, reconcile', () => {
  const scenario = new Scenario('snowflake', inject('endpoints'));
  const database = `E2E_${scenario.id.toUpperCase()}`;
  const target: SnowflakeSqlTarget & { targetTable: string } = {
    database,
    schema: 'CDC',
    stageName: 'CDC_STAGE',
    pathPrefix: 'cdc',
    pathStyle: 'plain',
    targetTable: 'PRODUCTS_CHANGES',
    variantColumn: 'RECORD',
  };
  const snowflakeEnv: Record<string, string> = {
    ...fakesnowStageEnv(database, target),
    SNOWFLAKE_TABLE: target.targetTable,
    // this suite is about delivery into the one VARIANT table (typed tables: snowflake-typed.e2e.test.ts)
    SNOWFLAKE_TABLE_FORMAT: 'variant',
    SNOWFLAKE_CREATE_OBJECTS: 'true',
  };
  const client = fakesnowClient(database, target.schema);
  const tableLines = async (): Promise<TableLine[]> =>
    (await client.execute(selectLoadedStatement(target))).map((r) => (typeof r.RECORD === 'string' ? JSON.parse(r.RECORD) : r.RECORD) as TableLine);
  const spooled = () =>
    existsSync(join(scenario.stageDir, scenario.topic))
      ? readdirSync(join(scenario.stageDir, scenario.topic)).flatMap((d) => readdirSync(join(scenario.stageDir, scenario.topic, d)))
      : [];

  beforeAll(async () => {
    fakesnowUp();
    await scenario.seed(3_000);
  });
  afterAll(async () => {
    await client.execute(`DROP DATABASE IF EXISTS "${database}"`).catch(() => undefined);
    await client.close();
    await scenario.cleanup();
  });

  it('loads every Kafka record into the table exactly once, through a consumer crash, equal to PostgreSQL', async () => {
    const started = Date.now();
    const producer = scenario.producer().start();
    const steady = scenario.consumer('sf-consumer-1', 'stream', snowflakeEnv).start();
    let victim = scenario.consumer('sf-consumer-2', 'stream', { ...snowflakeEnv, FLUSH_RECORDS: '97' }).start();
    const workload = new AbortController();
    const writes = runWorkload(scenario.sql, scenario.table, { writers: 3, transactions: 400, signal: workload.signal });

    await waitFor('the first loaded rows', async () => ((await tableLines().catch(() => [])).length > 0 ? true : undefined));
    await victim.kill9();
    await sleep(1_000);
    victim = scenario.consumer('sf-consumer-3', 'stream', { ...snowflakeEnv, FLUSH_RECORDS: '97' }).start();
    expect(await writes).toBeGreaterThan(0);

    // Done when the latest version per key (highest txid, then offset) equals each PostgreSQL row.
    const latestOf = (lines: TableLine[]) => {
      const latest = new Map<number, TableLine>();
      for (const l of lines) {
        const prev = latest.get(l.id);
        const newer = !prev || txidOf(l) > txidOf(prev) || (txidOf(l) === txidOf(prev) && l.__kafka.offset > prev.__kafka.offset);
        if (newer) latest.set(l.id, l);
      }
      return latest;
    };
    const differingFrom = (pg: PgRow[], latest: Map<number, TableLine>) =>
      pg.filter((r) => {
        const l = latest.get(r.id);
        return !l || l.name !== r.name || l.category !== r.category || l.price !== r.price || l.updated_timestamp !== r.ts;
      });
    const rows = await waitFor(
      'the Snowflake table to hold the current version of every row',
      async () => {
        const pg = await scenario.pgRows();
        return differingFrom(pg, latestOf(await tableLines())).length === 0 ? pg : undefined;
      },
      240_000,
      1_000,
    );
    expect(await producer.terminate()).toBe(0);
    expect(await steady.terminate()).toBe(0);
    expect(await victim.terminate()).toBe(0);

    // status --group names each partition's last file as the sink lists them: in the stage, after the last committed offset
    const group = await groupStatus({ ...scenario.consumerEnv(scenario.endpoints, scenario.stageDir), ...snowflakeEnv });
    expect(group.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    for (const p of group.partitions) {
      expect(p.owner).toBeNull();
      expect(p.lag).toBe(0);
      expect(p.lastFile?.startsWith(stageLocation(target, scenario.topic, p.partition))).toBe(true);
      const last = /\+(\d{20})\.jsonl\.gz$/.exec(p.lastFile ?? '')?.[1];
      expect(p.committed).toBe(Number(last) + 1);
    }

    // Exactly once: each Kafka record (partition, offset) is in the table once, and all are.
    const lines = await tableLines();
    const records = (await readTopic(scenario.endpoints.brokers, scenario.topic)).filter((r) => r.rawValue !== null);
    const inTable = new Map<string, number>();
    for (const l of lines) inTable.set(`${l.__kafka.partition}:${l.__kafka.offset}`, (inTable.get(`${l.__kafka.partition}:${l.__kafka.offset}`) ?? 0) + 1);
    const duplicated = [...inTable].filter(([, n]) => n > 1).map(([k]) => k);
    const missing = records.map((r) => `${r.partition}:${r.offset}`).filter((k) => !inTable.has(k));
    expect(duplicated).toEqual([]);
    expect(missing).toEqual([]);
    expect(inTable.size).toBe(records.length);

    // The latest version per key equals PostgreSQL, field by field, and no key is extra.
    const latest = latestOf(lines);
    expect(differingFrom(rows, latest).map((r) => r.id)).toEqual([]);
    expect(latest.size).toBe(rows.length);
    // Delivered files leave the spool.
    expect(spooled()).toEqual([]);
    process.stdout.write(
      `[e2e] snowflake: ${records.length} records, ${lines.length} table rows, ${rows.length} keys in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  });

  it('a second COPY, a re-PUT of a loaded file and a re-delivered spool file load nothing twice', async () => {
    const before = (await tableLines()).length;
    for (const partition of [0, 1, 2]) {
      const result = await client.execute(copyStatement(target, scenario.topic, partition));
      expect(result.every((r) => r.status === 'LOAD_SKIPPED' || r.status === undefined)).toBe(true);
    }
    expect((await tableLines()).length).toBe(before);

    // Re-PUT a loaded file under its name (fakesnow overwrites even with OVERWRITE=FALSE), then COPY.
    const listed = await client.execute(listStatement(target, scenario.topic, 0, true));
    const first = listed.map((r) => parseListedFile(String(r.name), target, scenario.topic, 0)).find((ref) => ref !== undefined);
    if (!first) throw new Error('no file of partition 0 in the stage');
    const again = join(scenario.stageDir, 're-put');
    mkdirSync(again, { recursive: true });
    const path = join(again, stageFileName(first));
    writeFileSync(path, `${JSON.stringify({ id: -1, name: 'must not load', __source: { txid: 0 }, __kafka: { topic: scenario.topic, partition: 0, offset: -1 } })}\n`);
    await client.execute(putStatement(path, target, first));
    const copied = await client.execute(copyStatement(target, scenario.topic, 0));
    expect(copied.filter((r) => r.status === 'LOADED')).toEqual([]);
    expect((await tableLines()).length).toBe(before);

    // A consumer that finds in its spool a file the stage already has drops it and loads nothing.
    const spoolDir = join(scenario.stageDir, scenario.topic, 'partition=0');
    mkdirSync(spoolDir, { recursive: true });
    writeFileSync(join(spoolDir, stageFileName(first)), `${JSON.stringify({ id: -2, name: 'must not load either' })}\n`);
    expect(await scenario.consumer('sf-batch', 'batch', snowflakeEnv).start().wait()).toBe(0);
    expect(spooled()).toEqual([]);
    const after = await tableLines();
    expect(after.length).toBe(before);
    expect(after.some((l) => l.id < 0)).toBe(false);
  });

  it('reconcile: exit 0 when the table equals PostgreSQL, 3 with the differing keys when not', async () => {
    const equal = await runReconcile(scenario, snowflakeEnv);
    expect(equal.stderr).not.toMatch(/^error:/m);
    expect(equal.code).toBe(0);
    expect(equal.report?.equal).toBe(true);
    const pgRows = await scenario.pgRows();
    expect(equal.report?.source.rows).toBe(pgRows.length);
    expect(equal.report?.stage.checksum).toBe(equal.report?.source.checksum);

    // With no producer running, change one row and delete another behind the pipeline's back.
    const [changed, deleted] = pgRows;
    if (!changed || !deleted) throw new Error('no rows');
    await scenario.sql.unsafe(`update ${scenario.table} set price = price + 1 where id = $1`, [changed.id]);
    await scenario.sql.unsafe(`delete from ${scenario.table} where id = $1`, [deleted.id]);
    const mismatch = await runReconcile(scenario, snowflakeEnv);
    expect(mismatch.code).toBe(3);
    expect(mismatch.report?.equal).toBe(false);
    expect(mismatch.report?.differing.map((d) => [d.id, d.fields])).toEqual([[String(changed.id), ['price', 'updated_timestamp']]]);
    expect(mismatch.report?.extra).toEqual([String(deleted.id)]);
    expect(mismatch.report?.missing).toEqual([]);
  });
});

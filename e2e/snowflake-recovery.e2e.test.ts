import { readFileSync } from 'node:fs';
import { selectLoadedStatement, type SnowflakeSqlTarget } from '@buyonline/sink-stage/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fakesnowClient, fakesnowStageEnv, fakesnowUp } from './support/fakesnow.ts';
import { readTopic } from './support/kafka-topic.ts';
import { Scenario, waitFor } from './support/scenario.ts';

/**
 * The target table made unavailable across consumer starts (fakesnow, the VARIANT table): a file
 * PUT and claimed whose COPY failed must be loaded by whoever recovers its partition, also after
 * recoveries that failed in turn. Each start while the table is away exits 2 naming it; once it is
 * back, the table holds every Kafka record once.
 */
describe('Snowflake: a claimed file whose COPY failed is loaded by the next owner, across failed starts', () => {
  const scenario = new Scenario('sfrecover', inject('endpoints'));
  const database = `E2E_${scenario.id.toUpperCase()}`;
  const target: SnowflakeSqlTarget & { targetTable: string } = { database, schema: 'CDC', stageName: 'CDC_STAGE', pathPrefix: 'cdc', pathStyle: 'plain', targetTable: 'CHANGES', variantColumn: 'RECORD' };
  const env = (createObjects: boolean): Record<string, string> => ({
    ...fakesnowStageEnv(database, target),
    SNOWFLAKE_TABLE: target.targetTable,
    SNOWFLAKE_TABLE_FORMAT: 'variant',
    SNOWFLAKE_CREATE_OBJECTS: String(createObjects),
    FLUSH_RECORDS: '45',
  });
  const client = fakesnowClient(database, target.schema);
  const table = (name: string) => `"${database}"."CDC"."${name}"`;
  const offsetsInTable = async (): Promise<string[]> =>
    (await client.execute(selectLoadedStatement(target))).map((r) => {
      const line = (typeof r.RECORD === 'string' ? JSON.parse(r.RECORD) : r.RECORD) as { __kafka: { partition: number; offset: number } };
      return `${line.__kafka.partition}:${line.__kafka.offset}`;
    });
  const insert = (from: number, rows: number) =>
    scenario.sql.unsafe(`insert into ${scenario.table} (name, category, price) select 'row ' || g, 'c', g from generate_series(${from}, ${from + rows - 1}) g`);

  beforeAll(async () => {
    fakesnowUp();
    await scenario.seed(100);
  });
  afterAll(async () => {
    await client.close();
    await scenario.cleanup();
  });

  it('two starts exit 2 while the table is away; the third loads the claimed file: every record once', async () => {
    const producer = scenario.producer().start();
    const first = scenario.consumer('sf-recover-1', 'stream', env(true)).start();
    await waitFor('the snapshot in the table', async () => ((await offsetsInTable().catch(() => [])).length >= 100 ? true : undefined));

    // The table goes away while the consumer runs: its next file is PUT and claimed, then its COPY fails.
    await client.execute(`ALTER TABLE ${table('CHANGES')} RENAME TO ${table('CHANGES_AWAY')}`);
    for (let i = 0; i < 5; i++) await insert(1_000 + i * 100, 100);
    expect(await first.wait(120_000)).toBe(2);
    // Two more starts while it is away (no CREATE_OBJECTS: it is not created again): each exits 2, naming the table.
    for (const name of ['sf-recover-2', 'sf-recover-3']) {
      const again = scenario.consumer(name, 'stream', env(false)).start();
      expect(await again.wait(120_000)).toBe(2);
      expect(readFileSync(again.logFile, 'utf8')).toMatch(/table missing.*CHANGES/);
    }

    // Restored: the next start loads what was claimed and not loaded, then goes on.
    await client.execute(`ALTER TABLE ${table('CHANGES_AWAY')} RENAME TO ${table('CHANGES')}`);
    const last = scenario.consumer('sf-recover-4', 'stream', env(false)).start();
    await insert(2_000, 100);
    const records = await waitFor('every Kafka record in the table', async () => {
      const inKafka = (await readTopic(scenario.endpoints.brokers, scenario.topic)).filter((r) => r.rawValue !== null);
      return inKafka.length >= 700 && (await offsetsInTable()).length >= inKafka.length ? inKafka : undefined;
    }, 180_000, 1_000);
    expect(await last.terminate()).toBe(0);
    expect(await producer.terminate()).toBe(0);

    const loaded = await offsetsInTable();
    const counts = new Map<string, number>();
    for (const k of loaded) counts.set(k, (counts.get(k) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 1).map(([k]) => k)).toEqual([]);
    expect(records.map((r) => `${r.partition}:${r.offset}`).filter((k) => !counts.has(k))).toEqual([]);
    expect(loaded.length).toBe(records.length);
    process.stdout.write(`[e2e] snowflake recovery: ${records.length} records, ${loaded.length} rows in the table after two failed starts\n`);
  });

  it('a table that holds the last files but not their load history (a clone) gets nothing twice from the next recovery', async () => {
    // fakesnow's CREATE TABLE IF NOT EXISTS on an existing table keeps its rows and forgets its load history, as a clone does
    await client.execute(`CREATE TABLE IF NOT EXISTS ${table('CHANGES')} ("RECORD" VARIANT)`);
    const producer = scenario.producer().start();
    const consumer = scenario.consumer('sf-recover-5', 'stream', env(false)).start();
    await insert(3_000, 50);
    const records = await waitFor('the new records in the table', async () => {
      const inKafka = (await readTopic(scenario.endpoints.brokers, scenario.topic)).filter((r) => r.rawValue !== null);
      return inKafka.length >= 750 && (await offsetsInTable()).length >= inKafka.length ? inKafka : undefined;
    }, 180_000, 1_000);
    expect(await consumer.terminate()).toBe(0);
    expect(await producer.terminate()).toBe(0);
    const loaded = await offsetsInTable();
    const counts = new Map<string, number>();
    for (const k of loaded) counts.set(k, (counts.get(k) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 1).map(([k]) => k)).toEqual([]);
    expect(loaded.length).toBe(records.length);
  });
});

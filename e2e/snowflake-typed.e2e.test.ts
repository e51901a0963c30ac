import {
  columnsStatement,
  copyFileStatement,
  currentTableOf,
  insertFromLandingStatement,
  landingTableOf,
  listStatement,
  mergeStatement,
  parseListedFile,
  type SnowflakeSqlTarget,
  type StageFileRef,
  tableColumns,
} from '@buyonline/sink-stage/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FAKESNOW_URL, fakesnowClient, fakesnowStageEnv, fakesnowUp } from './support/fakesnow.ts';
import { readTopic } from './support/kafka-topic.ts';
import { runReconcile } from './support/reconcile.ts';
import { runWorkload, Scenario, waitFor } from './support/scenario.ts';

/**
 * Typed tables on fakesnow (tooling/fakesnow): the consumer loads the topic into PRODUCTS, one
 * typed column per field plus the change metadata, and MERGEs each load into PRODUCTS_CURRENT.
 * fakesnow's JSON COPY cannot transform, so the load goes through the landing VARIANT table
 * (SNOWFLAKE_TYPED_COPY=via-variant); the transforming COPY is in the opt-in real-account suite.
 * fakesnow's INSERT/MERGE/DELETE answers need the middleware of tooling/fakesnow/server.py that
 * adds `returned` (an older running fakesnow: `fakesnow.sh down && fakesnow.sh up`).
 */

describe('typed Snowflake tables on fakesnow: column mapping, ADD COLUMN, MERGE into _CURRENT, reconcile', () => {
  const scenario = new Scenario('sftyped', inject('endpoints'));
  const database = `E2E_${scenario.id.toUpperCase()}`;
  const target: SnowflakeSqlTarget = { database, schema: 'CDC', stageName: 'CDC_STAGE', pathPrefix: 'cdc', pathStyle: 'plain', targetTable: 'UNUSED', variantColumn: 'RECORD' };
  const snowflakeEnv: Record<string, string> = {
    ...fakesnowStageEnv(database, target),
    SNOWFLAKE_CREATE_OBJECTS: 'true',
    SNOWFLAKE_TABLE_FORMAT: 'typed',
    SNOWFLAKE_TOPIC2TABLE_MAP: `${scenario.topic}:PRODUCTS`,
    SNOWFLAKE_TYPED_COPY: 'via-variant',
    SNOWFLAKE_MERGE: 'true',
  };
  const client = fakesnowClient(database, target.schema);
  const q = (table: string) => `"${database}"."CDC"."${table}"`;
  interface Current {
    id: number;
    name: string;
    category: string | null;
    price: string;
    ts: string;
    colour?: string | null;
  }
  /** The current table as PostgreSQL's rows look in pgRows (id order). */
  const current = async (withColour = false): Promise<Current[]> =>
    (
      await client.execute(
        `SELECT "ID", "NAME", "CATEGORY", TO_VARCHAR("PRICE") AS "PRICE", TO_VARCHAR("UPDATED_TIMESTAMP") AS "TS"${withColour ? ', "COLOUR"' : ''} FROM ${q('PRODUCTS_CURRENT')} ORDER BY "ID"`,
      )
    ).map((r) => {
      const ts = String(r.TS).replace(' ', 'T').replace(/(\.\d+)?(\+00(:00)?|Z)?$/, (_m, f: string | undefined) => `${(f ?? '.').padEnd(7, '0')}Z`);
      const row: Current = { id: Number(r.ID), name: String(r.NAME), category: (r.CATEGORY as string | null) ?? null, price: String(r.PRICE), ts };
      if (withColour) row.colour = (r.COLOUR as string | null) ?? null;
      return row;
    });
  const pgCurrent = async (withColour = false): Promise<Current[]> =>
    (
      await scenario.sql.unsafe(
        `select id::int as id, name, category, price::text as price,
                to_char(updated_timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ts${withColour ? ', colour' : ''}
           from ${scenario.table} order by id`,
      )
    ).map((r) => ({ ...r }) as unknown as Current);
  const untilCurrentEqualsPostgres = (what: string, withColour = false) =>
    waitFor(
      what,
      async () => {
        const [pg, sf] = await Promise.all([pgCurrent(withColour), current(withColour).catch(() => [])]);
        return JSON.stringify(pg) === JSON.stringify(sf) ? pg : undefined;
      },
      240_000,
      1_000,
    );

  beforeAll(async () => {
    fakesnowUp();
    // fakesnow must answer DML (the middleware adds `returned`), or every INSERT/MERGE would hang. On a connection
    // of its own: CREATE DATABASE makes the new database the session's current one (and fakesnow keeps load history per database).
    const probe = `"E2E_DML_${scenario.id.toUpperCase()}"`;
    const prober = fakesnowClient('E2E_DML', 'P');
    await prober.execute(`CREATE DATABASE IF NOT EXISTS ${probe}`);
    await prober.execute(`CREATE SCHEMA IF NOT EXISTS ${probe}."P"`);
    await prober.execute(`CREATE TABLE IF NOT EXISTS ${probe}."P"."T" ("A" NUMBER)`);
    const answered = await Promise.race([prober.execute(`INSERT INTO ${probe}."P"."T" ("A") VALUES (1)`).then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 10_000))]);
    await prober.close();
    if (!answered) throw new Error(`fakesnow on ${FAKESNOW_URL} does not answer INSERTs: it runs an older tooling/fakesnow/server.py; restart it (fakesnow.sh down && fakesnow.sh up)`);
    await scenario.seed(1_000);
  });
  afterAll(async () => {
    await client.execute(`DROP DATABASE IF EXISTS "${database}"`).catch(() => undefined);
    await client.close();
    await scenario.cleanup();
  });

  it('loads typed columns exactly once through a consumer crash, follows ADD COLUMN, and keeps _CURRENT equal to PostgreSQL through updates, deletes and a truncate', async () => {
    const producer = scenario.producer().start();
    const consumer = scenario.consumer('sf-typed', 'stream', snowflakeEnv).start();
    let victim = scenario.consumer('sf-typed-2', 'stream', { ...snowflakeEnv, FLUSH_RECORDS: '97' }).start();
    await untilCurrentEqualsPostgres('PRODUCTS_CURRENT to hold the snapshot');
    const writes = runWorkload(scenario.sql, scenario.table, { writers: 3, transactions: 600 });
    // a consumer killed mid-run (its partitions recovered by the others from the publication chain)
    await victim.kill9();
    victim = scenario.consumer('sf-typed-3', 'stream', { ...snowflakeEnv, FLUSH_RECORDS: '97' }).start();
    expect(await writes).toBeGreaterThan(0);
    await scenario.sql.unsafe(`delete from ${scenario.table} where id % 25 = 0`);
    await untilCurrentEqualsPostgres('PRODUCTS_CURRENT to equal PostgreSQL after updates and deletes');

    // The typed table: one column per field, then the change metadata.
    const columns = (await client.execute(columnsStatement(target, 'PRODUCTS'))).map((r) => String(r.COLUMN_NAME));
    expect(columns.slice(0, 5)).toEqual(['ID', 'NAME', 'CATEGORY', 'PRICE', 'UPDATED_TIMESTAMP']);
    expect(columns).toEqual(expect.arrayContaining(['__OP', '__DELETED', '__SOURCE_LSN', '__SOURCE_POSITION', '__KAFKA_TOPIC', '__KAFKA_PARTITION', '__KAFKA_OFFSET']));
    const types = Object.fromEntries((await client.execute(columnsStatement(target, 'PRODUCTS'))).map((r) => [String(r.COLUMN_NAME), `${r.DATA_TYPE}${r.NUMERIC_SCALE ? `(${r.NUMERIC_PRECISION},${r.NUMERIC_SCALE})` : ''}`]));
    expect(types).toMatchObject({ ID: 'NUMBER', NAME: 'TEXT', PRICE: 'NUMBER(12,2)', UPDATED_TIMESTAMP: 'TIMESTAMP_TZ', __DELETED: 'BOOLEAN' });

    // A column PostgreSQL gains becomes a column of both tables; older rows hold NULL in it.
    await scenario.sql.unsafe(`alter table ${scenario.table} add column colour text, add column attrs jsonb`);
    await scenario.sql.unsafe(`update ${scenario.table} set colour = 'red' where id between 1 and 10`);
    // A jsonb document lands as a VARIANT; reconcile below compares it by content (PostgreSQL prints it spaced, in jsonb's key order).
    await scenario.sql.unsafe(`update ${scenario.table} set attrs = '{"size": [1, {"unit": "cm", "w": null}], "a": true}' where id between 5 and 15`);
    await untilCurrentEqualsPostgres('PRODUCTS_CURRENT to carry the new column', true);
    const coloured = await client.execute(`SELECT COUNT(*) AS "N", COUNT("COLOUR") AS "C" FROM ${q('PRODUCTS')}`);
    expect(Number(coloured[0]?.C)).toBeGreaterThanOrEqual(10);
    expect(Number(coloured[0]?.N)).toBeGreaterThan(Number(coloured[0]?.C));

    // Exactly once: every Kafka record (but tombstones) is one row of PRODUCTS.
    await waitFor('every record in PRODUCTS', async () => {
      const records = (await readTopic(scenario.endpoints.brokers, scenario.topic)).filter((r) => r.rawValue !== null);
      const [row] = await client.execute(`SELECT COUNT(*) AS "N" FROM ${q('PRODUCTS')}`);
      return Number(row?.N) === records.length ? true : undefined;
    });
    const records = (await readTopic(scenario.endpoints.brokers, scenario.topic)).filter((r) => r.rawValue !== null);
    const loaded = await client.execute(`SELECT "__KAFKA_PARTITION" AS "P", "__KAFKA_OFFSET" AS "O", COUNT(*) AS "N" FROM ${q('PRODUCTS')} GROUP BY 1, 2`);
    expect(loaded.filter((r) => Number(r.N) !== 1)).toEqual([]);
    expect(new Set(loaded.map((r) => `${r.P}:${r.O}`))).toEqual(new Set(records.map((r) => `${r.partition}:${r.offset}`)));

    // A truncate, then new rows: the current table holds only these.
    await scenario.sql.unsafe(`truncate ${scenario.table}`);
    await scenario.sql.unsafe(`insert into ${scenario.table} (name, category, price, colour) values ('after truncate 1', null, 1.25, 'blue'), ('after truncate 2', 'x', 2.50, null)`);
    await scenario.sql.unsafe(`update ${scenario.table} set attrs = '{"size": [1, {"unit": "cm", "w": null}], "a": true}' where name = 'after truncate 1'`);
    const after = await untilCurrentEqualsPostgres('PRODUCTS_CURRENT to hold only the rows after the truncate', true);
    expect(after.map((r) => r.name)).toEqual(['after truncate 1', 'after truncate 2']);
    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
    expect(await victim.terminate()).toBe(0);
  });

  it('replaying a file (its landing COPY, INSERT and MERGE) changes nothing', async () => {
    const count = async () => Number((await client.execute(`SELECT COUNT(*) AS "N" FROM ${q('PRODUCTS')}`))[0]?.N);
    const before = { products: await count(), current: await current(true) };
    const files: StageFileRef[] = [];
    for (const partition of [0, 1, 2]) {
      for (const row of await client.execute(listStatement(target, scenario.topic, partition, true))) {
        const ref = parseListedFile(String(row.name), target, scenario.topic, partition);
        if (ref) files.push(ref);
      }
    }
    expect(files.length).toBeGreaterThan(3);
    const columns = (await client.execute(columnsStatement(target, 'PRODUCTS'))).map((r) => ({
      name: String(r.COLUMN_NAME),
      type: String(r.DATA_TYPE) === 'NUMBER' ? `NUMBER(${r.NUMERIC_PRECISION},${r.NUMERIC_SCALE})` : String(r.DATA_TYPE) === 'TEXT' ? 'VARCHAR' : String(r.DATA_TYPE),
    }));
    expect(columns.length).toBeGreaterThan(tableColumns([]).length);
    for (const ref of files) {
      const copied = await client.execute(copyFileStatement({ ...target, targetTable: landingTableOf('PRODUCTS') }, ref));
      expect(copied.map((r) => r.status)).toEqual(['LOAD_SKIPPED']);
      await client.execute(insertFromLandingStatement(target, 'PRODUCTS', landingTableOf('PRODUCTS'), 'RECORD', columns, ref));
      await client.execute(mergeStatement(target, 'PRODUCTS', currentTableOf('PRODUCTS'), columns, ['ID'], ref));
    }
    expect(await count()).toBe(before.products);
    expect(await current(true)).toEqual(before.current);
  });

  it('reconcile compares PRODUCTS_CURRENT with PostgreSQL: 0 when equal, 3 naming the key when not', async () => {
    const equal = await runReconcile(scenario, snowflakeEnv);
    expect(equal.stderr).not.toMatch(/^error:/m);
    expect(equal.code).toBe(0);
    expect(equal.report?.equal).toBe(true);
    expect(equal.report?.stageLabel).toMatch(/current-state tables/);
    const [changed] = await scenario.pgRows();
    if (!changed) throw new Error('no rows');
    await scenario.sql.unsafe(`update ${scenario.table} set name = 'behind the pipeline' where id = $1`, [changed.id]);
    const mismatch = await runReconcile(scenario, snowflakeEnv);
    expect(mismatch.code).toBe(3);
    expect(mismatch.report?.differing.map((d) => d.id)).toEqual([String(changed.id)]);
    expect(mismatch.report?.differing[0]?.fields).toContain('name');
  });
});


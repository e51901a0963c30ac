import { Redacted } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChangeTableLines } from './change-table.ts';
import { SdkSnowflakeClient } from './client.ts';
import { readLoadedTableLines } from './loaded-table.ts';
import { tableColumns } from './typed-columns.ts';
import { createTypedTableStatement } from './typed-sql.ts';

/**
 * The tables COPY INTO fills, read back on the Snowflake emulator (tooling/fakesnow, which the
 * stack runs; FAKESNOW_URL) in pages of 2 rows: every version, in Kafka order, a record loaded
 * twice read twice, another topic's rows left out.
 */
const accessUrl = process.env.FAKESNOW_URL ?? `http://127.0.0.1:${process.env.FAKESNOW_PORT ?? '28090'}`;
const database = `IT_CHANGES_${Date.now().toString(36).toUpperCase()}${Math.floor(Math.random() * 1e4)}`;
const t = { database, schema: 'CDC' };
const TOPIC = 'shop.public.items';
const client = new SdkSnowflakeClient({ account: 'fakesnow', username: 'fake', password: new Redacted('snow'), database, schema: 'CDC', accessUrl }, noopContext().logger, 2);
const q = (table: string) => `"${database}"."CDC"."${table}"`;

// [partition, offset, id, name, op, lsn, txid, topic]; inserted out of order; 0:2 loaded twice
const versions: [number, number, number, string | null, string, string, number | null, string][] = [
  [1, 0, 2, 'two', 'r', '0/100', null, TOPIC],
  [0, 2, 1, 'one v2', 'u', '0/300', 801, TOPIC],
  [0, 0, 1, 'one', 'r', '0/100', null, TOPIC],
  [0, 2, 1, 'one v2', 'u', '0/300', 801, TOPIC],
  [0, 1, 3, 'other', 'c', '0/200', 800, 'shop.public.other'],
  [0, 3, 1, null, 'd', '0/400', 4_000_000_001, TOPIC],
  [1, 1, 2, 'two v2', 'u', '0/500', 803, TOPIC],
  // offsets of more digits: numeric order, not text order ("10" < "9")
  [0, 10, 4, 'four v2', 'u', '0/700', 805, TOPIC],
  [0, 9, 4, 'four', 'c', '0/600', 804, TOPIC],
];
const inOrder = [2, 1, 3, 5, 8, 7, 0, 6].map((i) => versions[i] as (typeof versions)[number]);

beforeAll(async () => {
  await client.execute(`CREATE DATABASE IF NOT EXISTS "${database}"`);
  await client.execute(`CREATE SCHEMA IF NOT EXISTS "${database}"."CDC"`);
  await client.execute(
    createTypedTableStatement(
      t,
      'ITEMS',
      tableColumns([
        { name: 'ID', type: 'NUMBER(38,0)' },
        { name: 'NAME', type: 'VARCHAR' },
      ]),
    ),
  );
  await client.execute(`CREATE TABLE ${q('CHANGES')} ("RECORD" VARIANT)`);
  for (const [p, o, id, name, op, lsn, txid, topic] of versions) {
    const text = (v: string | null) => (v === null ? 'NULL' : `'${v}'`);
    await client.execute(
      `INSERT INTO ${q('ITEMS')} ("ID", "NAME", "__OP", "__DELETED", "__SOURCE_LSN", "__SOURCE_TXID", "__KAFKA_TOPIC", "__KAFKA_PARTITION", "__KAFKA_OFFSET") ` +
        `VALUES (${id}, ${text(name)}, '${op}', ${op === 'd'}, '${lsn}', ${txid ?? 'NULL'}, '${topic}', ${p}, ${o})`,
    );
    const line = { id, name, __op: op, __deleted: op === 'd', __source: { lsn, txid }, __kafka: { topic, partition: p, offset: o } };
    await client.execute(`INSERT INTO ${q('CHANGES')} SELECT PARSE_JSON('${JSON.stringify(line)}')`);
  }
}, 60_000);

afterAll(async () => {
  await client.execute(`DROP DATABASE IF EXISTS "${database}"`).catch(() => undefined);
  await client.close();
});

async function all(lines: AsyncIterable<Record<string, unknown>>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe('the tables COPY INTO fills, read a page at a time in Kafka order (fakesnow)', () => {
  it('a typed change table: every version of the topic as its stage line, a txid back as a number', async () => {
    const lines = await all(readChangeTableLines(client, t, TOPIC, { [TOPIC]: 'ITEMS' }, 2));
    expect(lines.map((l) => [l.__kafka, l.id, l.name, l.__op, l.__deleted, l.__source])).toEqual(
      inOrder.map(([p, o, id, name, op, lsn, txid]) => [{ topic: TOPIC, partition: p, offset: o }, String(id), op === 'd' ? null : name, op, op === 'd', { lsn, txid }]),
    );
  });

  it('the VARIANT table: the lines of the topics, every version', async () => {
    const target = { ...t, stageName: 'S', pathPrefix: 'p', pathStyle: 'plain' as const, targetTable: 'CHANGES', variantColumn: 'RECORD' };
    const lines = await all(readLoadedTableLines(client, target, [TOPIC], 2));
    expect(lines.map((l) => [l.__kafka, l.id, l.__source])).toEqual(inOrder.map(([p, o, id, , , lsn, txid]) => [{ topic: TOPIC, partition: p, offset: o }, id, { lsn, txid }]));
  });
});

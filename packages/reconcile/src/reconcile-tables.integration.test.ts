import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noopContext } from '@buyonline/connect-api/testing';
import { partitionPath, stageFileName, stageSinkConfigSchema } from '@buyonline/sink-stage/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileOutput, reconcileTables } from './index.ts';
import { type TableShape, tableShape } from './shape.ts';
import { readCatalogColumns, readSourceRows, reconcileSql } from './source-rows.ts';
import { fromStage } from './values.ts';

const pgUrl = process.env.PG_URL;
const schema = `reconcile_it_${Date.now().toString(36)}`;
const REGIONS = ['b', 'B', 'a', 'ä', 'é'];
const ROWS = 45;
const TYPES = ['bigint', 'text', 'int', 'char(6)', 'numeric(10,3)', 'real', 'float8', 'timestamptz', 'date', 'time', 'timestamp', 'bool', 'text[]', 'jsonb', 'bytea', 'mood'];

/**
 * Row i of order_lines twice: the text PostgreSQL is given, and the JSON the stage holds for
 * it (what the source's type mapping and the sink's JSON logical types make of that row).
 */
function orderLine(i: number) {
  const key = { order_id: [9, 10, 100][Math.floor(i / 15)] as number, region: REGIONS[i % 5] as string, line_no: Math.floor(i / 5) % 3 };
  const micros = String(i).padStart(6, '0');
  const weight = ['0.1', '2.5', 'NaN'][i % 3] as string;
  return {
    key,
    pg: [
      key.order_id,
      key.region,
      key.line_no,
      `s${i}`,
      `${i}.5`,
      weight,
      String(i / 10),
      i % 2 === 0 ? `2026-01-01 00:00:00.${micros}+00` : null,
      '2026-02-03',
      '12:00:01.5',
      '2026-01-01 10:00:00',
      i % 2 === 0 ? 'true' : 'false',
      '{x,NULL,"y z"}',
      '{"a": 1, "b": [true]}',
      `\\x${i.toString(16).padStart(2, '0')}ff`,
      i % 2 === 0 ? 'sad' : 'ok',
    ],
    stage: {
      ...key,
      sku: `s${i}`.padEnd(6, ' '),
      qty: `${i}.500`,
      weight: weight === 'NaN' ? 'NaN' : Number(weight),
      ratio: i / 10,
      shipped_at: i % 2 === 0 ? `2026-01-01T00:00:00.${micros}Z` : null,
      ship_day: '2026-02-03',
      ship_time: '12:00:01.500000',
      local_ts: '2026-01-01T10:00:00.000000',
      flag: i % 2 === 0,
      tags: ['x', null, 'y z'],
      payload: '{"a": 1, "b": [true]}',
      blob: `\\x${i.toString(16).padStart(2, '0')}ff`,
      mood: i % 2 === 0 ? 'sad' : 'ok',
      cdc_txid: '123', // left out by the source by default; here to show it is not compared
    },
  };
}

const topicOf = (table: string) => `it.${schema}.${table}`;

/** Writes lines into the stage folder as the sink does (one partition, files of 10 lines, offsets in order). */
function writeStage(root: string, table: string, lines: Record<string, unknown>[]): void {
  const topic = topicOf(table);
  const dir = join(root, partitionPath(topic, 0));
  mkdirSync(dir, { recursive: true });
  for (let start = 0; start < lines.length; start += 10) {
    const chunk = lines.slice(start, start + 10).map((l, i) => ({ ...l, __kafka: { ...(l.__kafka as object), topic, partition: 0, offset: start + i } }));
    writeFileSync(join(dir, stageFileName({ topic, partition: 0, startOffset: start, endOffset: start + chunk.length - 1 })), chunk.map((l) => `${JSON.stringify(l)}\n`).join(''));
  }
}

const change = (table: string, op: string, lsn: string, row: Record<string, unknown>, key: Record<string, unknown>) => ({
  ...row,
  __op: op,
  __deleted: op === 'd' || op === 't',
  __source: { connector: 'postgres-logical', db: 'buyonline', schema, table, position: '{}', txid: 1, lsn, snapshot: op === 'r' },
  __kafka: { key },
});

describe.skipIf(!pgUrl)('reconcile against PostgreSQL', () => {
  const sql = postgres(pgUrl ?? '', { max: 1, onnotice: () => undefined });
  const stageDir = mkdtempSync(join(tmpdir(), 'reconcile-it-'));
  const sink = stageSinkConfigSchema.parse({ stage: 'local', dir: stageDir });
  const tables = ['products', 'order_lines', 'audit_log'].map((table) => ({ schema, table, topic: topicOf(table) }));

  beforeAll(async () => {
    await sql.unsafe(`create schema "${schema}"`);
    await sql.unsafe(`create type "${schema}".mood as enum ('sad', 'ok')`);
    await sql.unsafe(`create table "${schema}".products (id bigint primary key, name text not null, category text, price numeric(12,2) not null, updated_timestamp timestamptz not null)`);
    await sql.unsafe(
      `insert into "${schema}".products select i, 'p' || i, null, i / 100.0, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 microsecond' from generate_series(1, 25) i`,
    );
    // a composite key (in an order that is not the column order) with a text part, and most types the source maps
    await sql.unsafe(`create table "${schema}".order_lines (
      order_id bigint not null, region text not null, line_no int not null, sku char(6), qty numeric(10,3), weight real, ratio float8,
      shipped_at timestamptz, ship_day date, ship_time time, local_ts timestamp, flag bool, tags text[], payload jsonb, blob bytea,
      mood "${schema}".mood, cdc_txid xid8, cdc_version bigint, primary key (order_id, region, line_no))`);
    for (let i = 0; i < ROWS; i++) {
      // every value as text, cast by PostgreSQL (the driver would serialize a bool, jsonb or bytea parameter its own way)
      const values = orderLine(i).pg.map((_, n) => `$${n + 1}::text::${TYPES[n] === 'mood' ? `"${schema}".mood` : TYPES[n]}`).join(', ');
      await sql.unsafe(`insert into "${schema}".order_lines values (${values}, pg_current_xact_id(), 1)`, orderLine(i).pg.map((v) => (v === null ? null : String(v))));
    }
    await sql.unsafe(`create table "${schema}".audit_log (at timestamptz, what text)`);

    // products: a TRUNCATE removes the rows before it; the rows after it are the table's
    writeStage(stageDir, 'products', [
      change('products', 'c', '0/5', { id: 999, name: 'gone', category: null, price: '1.00', updated_timestamp: '2025-01-01T00:00:00.000000Z' }, { id: 999 }),
      { __op: 't', __deleted: true, __source: { schema, table: 'products', lsn: '0/6', position: '{}' }, __kafka: { key: null } },
      ...Array.from({ length: 25 }, (_, k) => {
        const i = k + 1;
        const row = { id: i, name: `p${i}`, category: null, price: (i / 100).toFixed(2), updated_timestamp: `2026-01-01T00:00:00.${String(i).padStart(6, '0')}Z` };
        return change('products', 'r', '0/10', row, { id: i });
      }),
    ]);
    // order_lines: a snapshot with older values, then updates; a key that was inserted and deleted; a key change
    const lines: Record<string, unknown>[] = [];
    for (let i = 0; i < ROWS; i++) {
      const { key, stage } = orderLine(i);
      lines.push(change('order_lines', 'r', '0/10', { ...stage, qty: '0.000' }, key));
    }
    lines.push(change('order_lines', 'c', '0/15', { ...orderLine(0).stage, order_id: 5 }, { ...orderLine(0).key, order_id: 5 }));
    lines.push(change('order_lines', 'd', '0/18', { order_id: 5, region: 'b', line_no: 0 }, { order_id: 5, region: 'b', line_no: 0 }));
    for (let i = ROWS - 1; i >= 0; i--) lines.push(change('order_lines', 'u', '0/20', orderLine(i).stage, orderLine(i).key));
    writeStage(stageDir, 'order_lines', lines);
  });
  afterAll(async () => {
    await sql.unsafe(`drop schema if exists "${schema}" cascade`);
    await sql.end();
    rmSync(stageDir, { recursive: true, force: true });
  });

  async function shapeOf(table: string): Promise<TableShape> {
    const rsql = reconcileSql(pgUrl ?? '');
    try {
      const result = tableShape({ schema, table, topic: topicOf(table) }, await readCatalogColumns(rsql, { schema, table }), ['cdc_txid', 'cdc_version']);
      if (!result.ok) throw new Error(result.reason);
      return result.shape;
    } finally {
      await rsql.end();
    }
  }

  async function sourceRows(shape: TableShape, batch: number) {
    const rsql = reconcileSql(pgUrl ?? '');
    try {
      const rows = [];
      for await (const r of readSourceRows(rsql, shape, batch)) rows.push(r);
      return rows;
    } finally {
      await rsql.end();
    }
  }

  it('streams the rows in numeric id order through a cursor, in the stage formats', async () => {
    const rows = await sourceRows(await shapeOf('products'), 4);
    expect(rows.map((r) => r.key)).toEqual(Array.from({ length: 25 }, (_, i) => [String(i + 1)]));
    expect(rows[9]?.values).toEqual(['10', 'p10', null, '0.1', '2026-01-01T00:00:00.000010Z']); // numeric(12,2) 0.10, by value
  });

  it('reads a composite key in the order reconcile merges by (numbers by value, text in the C collation), every type as the stage writes it', async () => {
    const shape = await shapeOf('order_lines');
    expect(shape.key.map((i) => shape.columns[i]?.name)).toEqual(['order_id', 'region', 'line_no']);
    expect(shape.columns.map((c) => c.name)).not.toContain('cdc_txid');
    const rows = await sourceRows(shape, 7);
    expect(rows).toHaveLength(ROWS);
    expect(rows.slice(0, 6).map((r) => r.key)).toEqual([
      ['9', 'B', '0'],
      ['9', 'B', '1'],
      ['9', 'B', '2'],
      ['9', 'a', '0'],
      ['9', 'a', '1'],
      ['9', 'a', '2'],
    ]);
    expect(rows.map((r) => r.key[0])).toEqual([...Array(15).fill('9'), ...Array(15).fill('10'), ...Array(15).fill('100')]);
    for (let i = 0; i < ROWS; i++) {
      const { key, stage } = orderLine(i);
      const row = rows.find((r) => r.key.join('|') === [key.order_id, key.region, key.line_no].join('|'));
      const fromTheStage = shape.columns.map((c) => fromStage(c, (stage as Record<string, unknown>)[c.name]));
      expect(row?.values, `row ${i}`).toEqual(fromTheStage);
    }
  });

  it('reads the types the source carries as their base type or as their text the way the stage writes them', async () => {
    // A domain is its base type; int2vector is no array; box[] splits at ';'; a two-dimensional array is its text; intervals in ISO 8601.
    await sql.unsafe(`create domain "${schema}".d_tstz as timestamptz`);
    await sql.unsafe(`create table "${schema}".odd_types (id int primary key, span interval, at_dom "${schema}".d_tstz, iv int2vector, boxes box[], grid int[], doms "${schema}".d_tstz[])`);
    await sql.unsafe(
      `insert into "${schema}".odd_types values (1, '1 year 2 mons 3 days 04:05:06.789', '21016-01-01 00:00:00+00', '1 2 3', array['(1,1),(0,0)'::box, null], '{{1,2},{3,4}}', array['4713-01-01 00:00:00+00 BC'::timestamptz, 'infinity'])`,
    );
    const stage: Record<string, unknown> = {
      id: 1,
      span: 'P1Y2M3DT4H5M6.789S',
      at_dom: '21016-01-01T00:00:00.000000Z',
      iv: '1 2 3',
      boxes: ['(1,1),(0,0)', null],
      grid: '{{1,2},{3,4}}',
      doms: ['4713-01-01T00:00:00.000000Z BC', 'infinity'],
    };
    const shape = await shapeOf('odd_types');
    const [row] = await sourceRows(shape, 10);
    expect(row?.values).toEqual(shape.columns.map((c) => fromStage(c, stage[c.name])));
  });

  it('reconcileTables: every table with a key is equal to its stage, the keyless one is skipped with its reason', async () => {
    const run = await reconcileTables({ pgUrl: pgUrl ?? '', tables, sink, tuning: { runKeys: 8, fanIn: 2 } }, noopContext());
    expect(run.tables.map((t) => [t.table, t.status])).toEqual([
      ['products', 'equal'],
      ['order_lines', 'equal'],
      ['audit_log', 'skipped'],
    ]);
    expect(run.equal).toBe(true);
    const [products, orderLines, keyless] = run.tables;
    if (products?.status !== 'equal' || orderLines?.status !== 'equal' || keyless?.status !== 'skipped') throw new Error('unexpected statuses');
    expect(products.report.source.rows).toBe(25);
    expect(products.stats.truncates).toBe(1);
    expect(orderLines.report.stage.rows).toBe(ROWS);
    expect(orderLines.stats.runs).toBeGreaterThan(1);
    expect(keyless.reason).toMatch(/no primary key/);
  });

  it('reconcileOutput, what the command prints: exit 3 and a JSON report naming the composite key and the column that differ; 0 once equal again', async () => {
    const { key } = orderLine(4);
    await sql.unsafe(`update "${schema}".order_lines set shipped_at = shipped_at + interval '1 microsecond' where order_id = $1 and region = $2 and line_no = $3`, [
      key.order_id,
      key.region,
      key.line_no,
    ]);
    const { text, exitCode: code } = reconcileOutput(await reconcileTables({ pgUrl: pgUrl ?? '', tables: tables.slice(0, 2), sink }, noopContext()), true);
    const out = text.split('\n');
    expect(code).toBe(3);
    const line = out.find((l) => l.startsWith('{"reconcile"'));
    const report = JSON.parse(line ?? '{}').reconcile;
    expect(report.equal).toBe(false);
    expect(report.counts).toEqual({ missing: 0, extra: 0, differing: 1 });
    expect(report.tables.map((t: { status: string }) => t.status)).toEqual(['equal', 'mismatch']);
    expect(report.tables[1].differing.map((d: { id: string; fields: string[] }) => [d.id, d.fields])).toEqual([
      [JSON.stringify([String(key.order_id), key.region, String(key.line_no)]), ['shipped_at']],
    ]);
    await sql.unsafe(`update "${schema}".order_lines set shipped_at = shipped_at - interval '1 microsecond' where order_id = $1 and region = $2 and line_no = $3`, [
      key.order_id,
      key.region,
      key.line_no,
    ]);
    const again = await reconcileTables({ pgUrl: pgUrl ?? '', tables, sink }, noopContext());
    expect(again.equal).toBe(true);
  });

  it('a table that does not exist is a configuration error naming it', async () => {
    await expect(reconcileTables({ pgUrl: pgUrl ?? '', tables: [{ schema, table: 'nope', topic: 'x' }], sink }, noopContext())).rejects.toThrow(
      new RegExp(`${schema}\\.nope does not exist`),
    );
  });

  // Before, every row written before the scale change differed: source "0.100", stage "0.10".
  it('a numeric scale change (ALTER COLUMN price TYPE numeric(12,3)) leaves the rows written before it equal', async () => {
    await sql.unsafe(`alter table "${schema}".products alter column price type numeric(12,3)`);
    const rows = await sourceRows(await shapeOf('products'), 25);
    expect(rows[9]?.values[3]).toBe('0.1');
    const run = await reconcileTables({ pgUrl: pgUrl ?? '', tables: tables.slice(0, 1), sink }, noopContext());
    expect(run.tables.map((t) => [t.table, t.status])).toEqual([['products', 'equal']]);
    await sql.unsafe(`update "${schema}".products set price = price + 0.001 where id = 3`);
    const changed = await reconcileTables({ pgUrl: pgUrl ?? '', tables: tables.slice(0, 1), sink }, noopContext());
    const [products] = changed.tables;
    if (products?.status !== 'mismatch') throw new Error(`expected a mismatch, got ${products?.status}`);
    expect(products.report.differing.map((d) => [d.id, d.fields, d.source.price, d.stage.price])).toEqual([['3', ['price'], '0.031', '0.03']]);
  });
});

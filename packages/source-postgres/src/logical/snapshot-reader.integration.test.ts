import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION } from '../pg-text.ts';
import { CapturedTable } from './captured-table.ts';
import { ChunkSizer } from './chunk-sizer.ts';
import { freshTableOffset } from './offsets.ts';
import { SnapshotKeys } from './snapshot-keys.ts';
import { readChunk, readRangeChunk, type TextRow, textSelectList } from './snapshot-reader.ts';
import { describeColumns, schemaNamesFor } from './table-schema.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_reader_${process.pid}_${Date.now() % 100000}`;
const sql = postgres(url, { max: 2, onnotice: () => undefined, connection: SESSION });

/** Text no escape of COPY may change: its own escapes' characters, \N spelled out, quotes, other scripts. */
const AWKWARD = [
  '',
  '\\',
  '\\N',
  'N',
  'a\tb',
  'line\nnext',
  'cr\r\nlf',
  '\b\f\v',
  'back\\slash\\\\two',
  '\\x41\\101',
  "it's \"quoted\"",
  '日本語 Ωmega é',
  '😀 emoji',
  '{"x": "\\"y\\""}',
  ' padded ',
];

const lit = (s: string) => `E'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;

beforeAll(async () => {
  await sql.unsafe(`create schema "${id}"`);
  await sql.unsafe(`create type "${id}".mood as enum ('ok', 'tab\tbed', 'back\\slash')`);
  await sql.unsafe(
    `create table "${id}".values_table (id int primary key, t text, arr text[], ints int[], j json, jb jsonb, b bytea, c char(4), ch "char",
       x xml, ip inet, ts timestamptz, iv interval, n numeric, f float8, m "${id}".mood, pt point)`,
  );
  const rows = AWKWARD.map(
    (s, i) =>
      `(${i}, ${lit(s)}, array[${lit(s)}, null, ${lit(`${s},{}`)}], '{1,NULL,3}', ${`json_build_object('k', ${lit(s)}, 'n', null)`}, jsonb_build_array(${lit(s)}, 1.50),
        convert_to(${lit(s)}, 'UTF8'), ${lit(s.slice(0, 4))}, ${lit(s.slice(0, 1))}, xmlelement(name a, ${lit(s)}), '10.0.0.1', '2026-12-07 10:11:12.123456+05:30',
        '1 day 02:03:04.5', ${i % 2 ? "'NaN'" : '-12.50'}, ${i % 2 ? "'-0'" : '1e308'}, ${["'ok'", `E'tab\\tbed'`, `E'back\\\\slash'`][i % 3]}, '(1.5,-2)')`,
  );
  await sql.unsafe(`insert into "${id}".values_table values ${rows.join(', ')}`);
  await sql.unsafe(`insert into "${id}".values_table (id) values (100)`);
  await sql.unsafe(`create table "${id}".text_keyed (k text primary key, v text)`);
  await sql.unsafe(`insert into "${id}".text_keyed values ${AWKWARD.map((s, i) => `(${lit(s)}, ${lit(String(i))})`).join(', ')}`);
  await sql.unsafe(`create table "${id}".composite (a text, b int, v text, primary key (a, b))`);
  await sql.unsafe(`insert into "${id}".composite values ${AWKWARD.flatMap((s, i) => [`(${lit(s)}, ${i}, ${lit(s)})`, `(${lit(s)}, ${-i - 1}, null)`]).join(', ')}`);
  await sql.unsafe(`create table "${id}".wide (id int primary key, v text)`);
  await sql.unsafe(`insert into "${id}".wide select i, md5(i::text) from generate_series(1, 3000) i`);
  await sql.unsafe(`create table "${id}".keyless (v text, n int)`);
  await sql.unsafe(`insert into "${id}".keyless values ${AWKWARD.map((s, i) => `(${lit(s)}, ${i})`).join(', ')}, (null, null)`);
});

afterAll(async () => {
  await sql.unsafe(`drop schema if exists "${id}" cascade`);
  await sql.end();
});

async function captured(table: string): Promise<CapturedTable> {
  const columns = await describeColumns(sql, id, table);
  const ref = { schema: id, table };
  const options = { ref, topic: 't', db: 'd', slot: 's', names: schemaNamesFor('p', id, table), excludeColumns: [], columns, keys: new SnapshotKeys(), now: () => 0 };
  return new CapturedTable(ref, 't', options, freshTableOffset('initial'));
}

/** The table read chunk by chunk to its end (chunks of `rows` rows), as the snapshot reads it, with each chunk's last key. */
async function readAll(table: CapturedTable, rows: number): Promise<{ rows: TextRow[]; lastKeys: (string | null)[] }> {
  const tx = await sql.reserve();
  try {
    await tx.unsafe('begin isolation level repeatable read read only');
    const sizer = new ChunkSizer(rows, 1_000_000);
    const out: TextRow[] = [];
    const lastKeys: (string | null)[] = [];
    let last: string | null = null;
    // a chunk that does not move past its last key would read forever: the table has fewer than 100 rows
    for (let chunks = 0; chunks < 100; chunks++) {
      const chunk = await readChunk(tx, table, last, sizer);
      if (chunk.rows.length === 0) break;
      out.push(...chunk.rows);
      lastKeys.push(chunk.lastKey);
      last = chunk.lastKey;
    }
    await tx.unsafe('rollback');
    return { rows: out, lastKeys };
  } finally {
    tx.release();
  }
}

/** What a row query of the same select list returns, in `order` (the values the snapshot read before it read through COPY). */
async function queried(table: CapturedTable, order: string): Promise<TextRow[]> {
  const values = await sql.unsafe(`select ${textSelectList(table.shape)} from "${id}"."${table.ref.table}" t order by ${order}`).values();
  const names = table.shape.columns.map((c) => c.info.name);
  return values.map((v) => Object.fromEntries(names.map((name, i) => [name, (v[i] as string | null) ?? null])));
}

describe('readChunk reads through COPY the same texts a row query returns', { timeout: 60_000 }, () => {
  it('for every column type, with escapes, tabs, newlines, backslashes, other scripts, empty strings and nulls', async () => {
    const table = await captured('values_table');
    const read = await readAll(table, 4);
    const expected = await queried(table, 't.id');
    expect(expected).toHaveLength(AWKWARD.length + 1);
    expect(read.rows).toEqual(expected);
    // the driver's own rows: the empty string stays apart from null, \N stays text
    expect(read.rows.find((r) => r.id === '0')?.t).toBe('');
    expect(read.rows.find((r) => r.id === '2')?.t).toBe('\\N');
    expect(read.rows.find((r) => r.id === '100')?.t).toBeNull();
    expect(read.rows.find((r) => r.id === '8')?.b).toBe(`\\x${Buffer.from('back\\slash\\\\two').toString('hex')}`);
  });

  it('resumes after keys holding quotes, backslashes, tabs and newlines, one row at a time and in chunks', async () => {
    const table = await captured('text_keyed');
    const expected = await queried(table, 't.k');
    for (const rows of [1, 4]) {
      const read = await readAll(table, rows);
      expect(read.rows).toEqual(expected);
      expect(read.lastKeys.at(-1)).toBe(expected.at(-1)?.k);
    }
  });

  it('reads key ranges bounded by keys holding quotes, backslashes and tabs', async () => {
    const table = await captured('text_keyed');
    const keys = (await queried(table, 't.k')).map((r) => r.k as string);
    const ranges = [
      { after: keys[1] as string, upTo: keys[5] as string },
      { after: keys[9] as string, upTo: null },
    ];
    const tx = await sql.reserve();
    try {
      await tx.unsafe('begin isolation level repeatable read read only');
      const sizer = new ChunkSizer(3, 1_000_000);
      const read: string[] = [];
      let chunk = await readRangeChunk(tx, table, null, ranges, sizer);
      for (let chunks = 0; chunk.lastKey !== null && chunks < 100; chunks++) {
        read.push(...chunk.rows.map((r) => r.k as string));
        chunk = await readRangeChunk(tx, table, chunk.lastKey, chunk.ranges ?? [], sizer);
      }
      await tx.unsafe('rollback');
      expect(read).toEqual([...keys.slice(2, 6), ...keys.slice(10)]);
    } finally {
      tx.release();
    }
  });

  it('resumes a composite key after the row comparison of its parts', async () => {
    const table = await captured('composite');
    const read = await readAll(table, 3);
    expect(read.rows).toEqual(await queried(table, 't.a, t.b'));
    expect(read.lastKeys[0]).toBe(JSON.stringify([read.rows[2]?.a, read.rows[2]?.b]));
  });

  it('reads chunk after chunk on one connection when a chunk outgrows the stream buffer of the driver', { timeout: 20_000 }, async () => {
    // 500 rows of about 40 bytes: more than the stream buffers (16 KiB), arriving with the end of their COPY in one read of the socket
    const table = await captured('wide');
    const read = await readAll(table, 500);
    expect(read.rows).toEqual(await queried(table, 't.id'));
    expect(read.lastKeys).toEqual(['16', '516', '1016', '1516', '2016', '2516', '3000']);
  });

  it('walks a table without a primary key by ctid', async () => {
    const table = await captured('keyless');
    const read = await readAll(table, 4);
    expect(read.rows).toEqual(await queried(table, 't.ctid'));
    expect(read.lastKeys[0]).toBe('(0,4)');
  });
});

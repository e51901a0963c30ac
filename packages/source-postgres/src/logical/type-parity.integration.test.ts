import { parseConfig, type SourceRecord } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask } from './replication-task.ts';
import { postgresSourceConfigSchema } from '../config.ts';
import { arrayText, scalarText } from './pg-text-render.test-support.ts';

const url = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const id = `it_parity_${process.pid}_${Date.now() % 100000}`;
// The settings the source's own connections print values with (pg-text.ts SESSION).
const sql = postgres(url, {
  max: 2,
  onnotice: () => undefined,
  connection: { TimeZone: 'UTC', DateStyle: 'ISO', IntervalStyle: 'iso_8601', extra_float_digits: '3', bytea_output: 'hex' },
});
const slots: string[] = [];

afterAll(async () => {
  for (const slot of slots) {
    await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${slot} and not active`.catch(() => undefined);
    await sql.unsafe(`drop publication if exists "${slot}"`);
  }
  await sql.unsafe(`drop schema if exists "${id}" cascade`);
  await sql.end();
});

/** Polls until `count` data records came (committing what the task hands out), or 30 s passed. */
async function pollUntil(t: LogicalReplicationTask, count: number): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const deadline = Date.now() + 30_000;
  while (out.length < count && Date.now() < deadline) {
    const batch = await t.poll(new AbortController().signal);
    for (const r of batch) if (!r.positionOnly) out.push(r);
    if (batch.length > 0 && !batch.at(-1)?.inTransaction) await t.commit(batch);
  }
  return out;
}

interface Captured {
  /** `after` of each record by the row's id. */
  snapshot: Map<number, Record<string, unknown>>;
  stream: Map<number, Record<string, unknown>>;
  failures: string[];
}

/**
 * Captures `table` of the test schema: the rows `insert` writes with ids 1…n are read by the
 * snapshot; then `insert` runs again with ids shifted by `shift` and the stream reads those.
 */
async function captureBoth(table: string, rows: number, insert: (idShift: number) => Promise<void>, shift = 1000): Promise<Captured> {
  const slot = `${id}_${table}`.toLowerCase();
  slots.push(slot);
  await insert(0);
  const config = parseConfig(postgresSourceConfigSchema, {
    mode: 'logical',
    url,
    tables: [`${id}.${table}`],
    topicTemplate: 't',
    slot,
    publication: slot,
    snapshotChunkSize: 50,
    pollIntervalMs: 50,
  });
  const t = new LogicalReplicationTask(config, noopContext());
  await t.start(staticOffsets());
  try {
    const captured: Captured = { snapshot: new Map(), stream: new Map(), failures: [] };
    const sort = (records: SourceRecord[], into: Map<number, Record<string, unknown>>) => {
      for (const r of records) {
        if (r.failure) {
          captured.failures.push(r.failure.message);
          continue;
        }
        const after = (r.value as { after: Record<string, unknown> }).after;
        into.set(Number(after.id), after);
      }
    };
    sort(await pollUntil(t, rows), captured.snapshot);
    await insert(shift);
    sort(await pollUntil(t, rows), captured.stream);
    return captured;
  } finally {
    await t.stop();
  }
}

/** The same datum in the snapshot's row `id` and the stream's row `id + shift`, column by column (ids left out). */
function pairs(captured: Captured, shift = 1000): { column: string; id: number; snapshot: unknown; stream: unknown }[] {
  const out: { column: string; id: number; snapshot: unknown; stream: unknown }[] = [];
  for (const [rowId, snap] of captured.snapshot) {
    const streamed = captured.stream.get(rowId + shift);
    for (const column of Object.keys(snap)) {
      if (column === 'id') continue;
      out.push({ column, id: rowId, snapshot: snap[column], stream: streamed?.[column] });
    }
  }
  return out;
}

describe('snapshot and stream convert the same datum to the same value', { timeout: 60_000 }, () => {
  it('the reported row: inet[], point, interval[] and char(3)[] (one to three elements)', async () => {
    await sql.unsafe(`create schema if not exists "${id}"`);
    await sql.unsafe(`create table "${id}".hosts (id int primary key, ips inet[], pts point, ivs interval[], ch char(3)[])`);
    const insert = async (shift: number) => {
      await sql.unsafe(
        `insert into "${id}".hosts values
          (${1 + shift}, '{10.0.0.1,10.0.0.2}', '(1,2)', '{1 day,"2 hours 3 minutes"}', '{ab,c}'),
          (${2 + shift}, '{10.0.0.1}', '(-1.5,2e10)', '{-1 year}', '{xyz}'),
          (${3 + shift}, '{10.0.0.1,NULL,::1/128}', null, '{1 day,NULL,P1Y2M}', '{" a",NULL,"b,c"}')`,
      );
    };
    const captured = await captureBoth('hosts', 3, insert);
    expect(captured.failures).toEqual([]);
    expect(captured.snapshot.get(1)).toEqual({ id: 1, ips: ['10.0.0.1', '10.0.0.2'], pts: '(1,2)', ivs: ['P1D', 'PT2H3M'], ch: ['ab ', 'c  '] });
    expect(captured.snapshot.get(3)).toEqual({ id: 3, ips: ['10.0.0.1', null, '::1'], pts: null, ivs: ['P1D', null, 'P1Y2M'], ch: [' a ', null, 'b,c'] });
    for (const pair of pairs(captured)) expect(pair.stream, `${pair.column} of row ${pair.id}`).toEqual(pair.snapshot);
  });

  it("Debezium's extremes: int8 over the whole int64 range, timestamps past 9999, in 294247 and BC, ±infinity, numeric NaN, -0.0", async () => {
    await sql.unsafe(`create schema if not exists "${id}"`);
    await sql.unsafe(
      `create table "${id}".extremes (id int primary key, big int8, bigs int8[], ts timestamp, tstz timestamptz, d date, n numeric(10,2), f float8, r float4)`,
    );
    const insert = async (shift: number) => {
      await sql.unsafe(
        `insert into "${id}".extremes values
          (${1 + shift}, 1550166368505037572, '{1550166368505037572,NULL,-9223372036854775808}', '21016-10-16 10:11:12.123456', '21016-10-16 10:11:12.123456+00', '21016-10-16', 'NaN', '-0.0', '-0.0'),
          (${2 + shift}, 9223372036854775807, '{9223372036854775807}', '294247-01-10 04:00:54.775806', '294247-01-10 04:00:54.775806+00', '4713-01-01 BC', -12345678.91, 'NaN', 'Infinity'),
          (${3 + shift}, -9223372036854775808, '{}', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC', 'infinity', 0, '-Infinity', '1e-45'),
          (${4 + shift}, 9007199254740993, null, 'infinity', '-infinity', '-infinity', null, '1e308', null)`,
      );
    };
    const captured = await captureBoth('extremes', 4, insert);
    expect(captured.failures).toEqual([]);
    const first = captured.snapshot.get(1) as Record<string, unknown>;
    expect(first.big).toBe(1550166368505037572n);
    expect(first.bigs).toEqual([1550166368505037572n, null, -9223372036854775808n]);
    expect(first.n).toBeNaN();
    expect(Object.is(first.f, -0)).toBe(true);
    expect(Object.is(first.r, -0)).toBe(true);
    const second = captured.snapshot.get(2) as Record<string, unknown>;
    expect(second.big).toBe(9223372036854775807n);
    expect(second.ts).toBe(9223372036854775806n);
    expect(second.n).toBe('-12345678.91');
    const third = captured.snapshot.get(3) as Record<string, unknown>;
    expect(third.ts).toBe(-210863520000000000n);
    expect(third.d).toBe(2147483647);
    const fourth = captured.snapshot.get(4) as Record<string, unknown>;
    expect([fourth.big, fourth.ts, fourth.tstz, fourth.d]).toEqual([9007199254740993n, 9223372036854775807n, -9223372036854775808n, -2147483648]);
    for (const pair of pairs(captured)) expect(pair.stream, `${pair.column} of row ${pair.id}`).toEqual(pair.snapshot);
    for (const pair of pairs(captured)) expect(Object.is(pair.stream, -0), `${pair.column} of row ${pair.id}`).toBe(Object.is(pair.snapshot, -0));
  });
});

/**
 * Sample values (PostgreSQL's input text) of every type a column can have, Debezium's type-test
 * extremes included. A type of the catalog that is neither here nor in NO_VALUES fails the test.
 */
const VALUES: Record<string, string[]> = {
  int2: ['0', '-32768', '32767'],
  int4: ['0', '-2147483648', '2147483647'],
  int8: ['0', '1550166368505037572', '9223372036854775807', '-9223372036854775808', '9007199254740993'],
  float4: ['-0', 'NaN', 'Infinity', '-Infinity', '3.4028235e+38', '1e-45', '0.1'],
  float8: ['-0', 'NaN', '-Infinity', '1.7976931348623157e+308', '5e-324', '0.1', '2e10'],
  numeric: ['NaN', 'Infinity', '-Infinity', '-0.0', '123456789012345678901234567890.123456789'],
  bool: ['t', 'f'],
  bpchar: ['a', ' '],
  char: ['a', 'Z'],
  name: ['', 'a b'],
  text: ['', 'a b', 'ünï', 'NULL', '"quoted", {braces} \\back;semi'],
  varchar: ['', 'x,y'],
  date: ['2026-11-25', '4713-01-01 BC', '21016-10-16', '5874897-12-31', 'infinity', '-infinity', '0001-01-01', '1970-01-01'],
  time: ['00:00:00', '23:59:59.999999', '24:00:00', '12:34:56.5'],
  timetz: ['00:00:00+00', '23:59:59.999999-15:59', '12:00:00+05:30'],
  timestamp: ['2026-11-25 13:12:41.111039', '21016-10-16 10:11:12.123456', '294247-01-10 04:00:54.775806', '4713-01-01 00:00:00 BC', 'infinity', '-infinity', '1684-07-28 00:12:25.259008'],
  timestamptz: ['2026-11-25 13:12:41.111039+00', '21016-10-16 10:11:12.123456+00', '294247-01-10 04:00:54.775806+00', '4713-01-01 00:00:00+00 BC', 'infinity', '-infinity', '2000-01-01 05:30:00+05:30'],
  interval: ['1 year 2 mons 3 days 04:05:06.789', '-178000000 years', '0', 'P-1Y'],
  uuid: ['00000000-0000-0000-0000-000000000000', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
  json: ['{"a": [1, 2.50]}', '"x"', 'null', '[]'],
  jsonb: ['{"a": [1, 2.50]}', '"x"', 'null', '[]'],
  jsonpath: ['$.a[*] ? (@ > 1)'],
  xml: ['<a b="1">x</a>', 'text'],
  bytea: ['\\x', '\\x00ff10', 'abc'],
  inet: ['10.0.0.1', '::1/128', '192.168.0.0/16', '10.0.0.1/8'],
  cidr: ['10.0.0.0/8', '::/0'],
  macaddr: ['08:00:2b:01:02:03'],
  macaddr8: ['08:00:2b:01:02:03:04:05'],
  point: ['(1,2)', '(-1.5,2e10)'],
  line: ['{1,2,3}'],
  lseg: ['[(0,0),(1,1)]'],
  box: ['(1,1),(0,0)', '(3,3),(2,2)'],
  path: ['[(0,0),(1,1)]', '((0,0),(1,1),(2,0))'],
  polygon: ['((0,0),(1,1),(2,0))'],
  circle: ['<(0,0),1>'],
  bit: ['0', '1'],
  varbit: ['', '0101'],
  money: ['12.34', '-92233720368547758.08'],
  oid: ['0', '4294967295'],
  regclass: ['pg_class'],
  regtype: ['integer'],
  regproc: ['now'],
  regprocedure: ['now()'],
  regoper: ['||/'],
  regoperator: ['+(integer,integer)'],
  regnamespace: ['pg_catalog'],
  regrole: ['buyonline'],
  regconfig: ['english'],
  regdictionary: ['simple'],
  regcollation: ['"C"'],
  xid: ['0', '4294967295'],
  xid8: ['18446744073709551615'],
  cid: ['0'],
  tid: ['(0,1)'],
  pg_lsn: ['0/0', 'FFFFFFFF/FFFFFFFF'],
  txid_snapshot: ['10:20:10,14,15'],
  pg_snapshot: ['10:20:10,14,15'],
  tsvector: ["'a' 'b':1A"],
  tsquery: ["'a' & !'b'"],
  int2vector: ['1 2 3'],
  oidvector: ['1 2 3'],
  aclitem: ['buyonline=r/buyonline'],
  refcursor: ['c1'],
  int4range: ['[1,5)', 'empty', '(,)'],
  int8range: ['[1550166368505037572,9223372036854775807)'],
  numrange: ['[1.5,2.5]'],
  tsrange: ['[2026-01-01 00:00:00,infinity)'],
  tstzrange: ['[4713-01-01 00:00:00+00 BC,)'],
  daterange: ['[2026-01-01,2026-02-01)'],
  int4multirange: ['{[1,5), [7,9)}', '{}'],
  int8multirange: ['{[1,2)}'],
  nummultirange: ['{[1.5,2.5]}'],
  tsmultirange: ['{[2026-01-01 00:00:00,2026-01-02 00:00:00)}'],
  tstzmultirange: ['{[2026-01-01 00:00:00+00,)}'],
  datemultirange: ['{[2026-01-01,2026-02-01)}'],
  // extensions (Debian's postgresql-contrib)
  hstore: ['"a"=>"1", "b"=>NULL', ''],
  ltree: ['a.b.c', ''],
  lquery: ['*.b.*'],
  ltxtquery: ['a & b'],
  citext: ['MiXed', ''],
  cube: ['(1,2),(3,4)'],
  seg: ['1.5 .. 2.5'],
  ean13: ['4006381333931'],
  isbn: ['0-393-04002-X'],
  isbn13: ['978-0-393-04002-9'],
  ismn: ['M-2306-7118-7'],
  ismn13: ['979-0-2306-7118-7'],
  issn: ['1436-4522'],
  issn13: ['977-1436-452-00-8'],
  upc: ['012345678905'],
};

/** Types no column value can be written in: their input function refuses every text (index and planner storage types). */
const NO_VALUES = new Set([
  'gtsvector',
  'ghstore',
  'ltree_gist',
  'pg_node_tree',
  'pg_ndistinct',
  'pg_dependencies',
  'pg_mcv_list',
  'pg_brin_bloom_summary',
  'pg_brin_minmax_multi_summary',
]);

const EXTENSIONS = ['hstore', 'ltree', 'citext', 'isn', 'cube', 'seg'];

interface CatalogColumn {
  name: string;
  /** The element's type name for an array column, else the column's (a domain's base type). */
  typeName: string;
  ddl: string;
  array: boolean;
  delimiter: string;
  /** SQL value expressions, one per row (null: NULL). */
  values: (string | null)[];
}

const literal = (text: string, type: string) => `'${text.replaceAll("'", "''")}'::${type}`;

/** Scalar and array columns of one type, their values in `rows` rows. */
function columnsOf(name: string, typeName: string, ddl: string, arrayDdl: string | null, delimiter: string, values: string[], rows: number): CatalogColumn[] {
  const scalar: CatalogColumn = { name: `c_${name}`, typeName, ddl, array: false, delimiter, values: Array.from({ length: rows }, (_, i) => (values[i] === undefined ? null : literal(values[i] as string, ddl))) };
  if (arrayDdl === null) return [scalar];
  const all = values.map((v) => literal(v, ddl));
  const first = all[0] as string;
  const second = all[1] ?? first;
  const arrays = [
    `array[${[...all.slice(0, 1), 'null', ...all.slice(1)].join(', ')}]::${arrayDdl}`,
    `'{}'::${arrayDdl}`,
    `array[${first}]::${arrayDdl}`,
    `array[[${first}, ${second}], [null, ${first}]]::${arrayDdl}`,
    `('[0:1]=' || array[${first}, ${second}]::text)::${arrayDdl}`,
  ];
  const array: CatalogColumn = { name: `a_${name}`, typeName, ddl: arrayDdl, array: true, delimiter, values: Array.from({ length: rows }, (_, i) => arrays[i] ?? null) };
  return [scalar, array];
}

describe('every type a column can have, from the catalog', { timeout: 120_000 }, () => {
  it('arrives from the snapshot and the stream as the same value, which PostgreSQL prints as it printed the datum', async () => {
    const schema = `${id}_cat`;
    await sql.unsafe(`create schema if not exists "${schema}"`);
    const available = new Set((await sql<{ name: string }[]>`select name from pg_available_extensions`).map((r) => r.name));
    for (const extension of EXTENSIONS) {
      if (!available.has(extension)) {
        console.log(`type catalog test: extension ${extension} is not available here, its types are not covered`);
        continue;
      }
      // Extensions are per database and outlive the test (another test may use them at the same time).
      await sql.unsafe(`create extension if not exists ${extension}`).catch(async (err: Error) => {
        // another test creating it at the same moment: fine once it is there
        const [there] = await sql`select 1 as one from pg_extension where extname = ${extension}`;
        if (!there) throw err;
      });
    }
    await sql.unsafe(`create type "${schema}".mood as enum ('happy', 'with space', 'NULL')`);
    await sql.unsafe(`create type "${schema}".address as (street text, no int, tags text[])`);
    await sql.unsafe(`create domain "${schema}".posint as int check (value > 0)`);
    await sql.unsafe(`create domain "${schema}".money2 as numeric(5,1)`);
    await sql.unsafe(`create domain "${schema}".host as inet`);
    await sql.unsafe(`create domain "${schema}".posint2 as "${schema}".posint`);
    await sql.unsafe(`create domain "${schema}".intarr as int8[]`);

    const types = await sql<{ typname: string; ddl: string; array_ddl: string | null; delimiter: string }[]>`
      select t.typname::text as typname, format_type(t.oid, null) as ddl,
             case when t.typarray <> 0 then format_type(t.typarray, null) end as array_ddl, t.typdelim::text as delimiter
        from pg_type t
       where t.typtype in ('b', 'r', 'm') and t.typisdefined
         and not exists (select 1 from pg_type e where e.typarray = t.oid)
         and (t.typnamespace = 'pg_catalog'::regnamespace
              or exists (select 1 from pg_depend d join pg_extension x on x.oid = d.refobjid
                          where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e' and x.extname = any(${EXTENSIONS})))
       order by t.typname`;
    const missing = types.filter((t) => !VALUES[t.typname] && !NO_VALUES.has(t.typname)).map((t) => t.typname);
    expect(missing, 'catalog types without sample values').toEqual([]);
    const rows = 8;
    const columns: CatalogColumn[] = [];
    for (const t of types) {
      const values = VALUES[t.typname];
      if (values) columns.push(...columnsOf(t.typname, t.typname, t.ddl, t.array_ddl, t.delimiter, values, rows));
    }
    const q = (type: string) => `"${schema}".${type}`;
    columns.push(
      ...columnsOf('numeric_10_2', 'numeric', 'numeric(10,2)', 'numeric(10,2)[]', ',', ['NaN', '-12345678.91', '0.00', '99999999.99'], rows),
      ...columnsOf('char_3', 'bpchar', 'char(3)', 'char(3)[]', ',', ['ab', '', 'xyz'], rows),
      ...columnsOf('bit_3', 'bit', 'bit(3)', 'bit(3)[]', ',', ['101', '000'], rows),
      ...columnsOf('tstz_3', 'timestamptz', 'timestamptz(3)', 'timestamptz(3)[]', ',', ['2026-11-25 13:12:41.1119+00', 'infinity'], rows),
      ...columnsOf('mood', 'enum', q('mood'), `${q('mood')}[]`, ',', ['happy', 'with space', 'NULL'], rows),
      ...columnsOf('address', 'composite', q('address'), `${q('address')}[]`, ',', ['("Main St",1,"{a,b}")', '(,,)'], rows),
      ...columnsOf('posint', 'int4', q('posint'), `${q('posint')}[]`, ',', ['1', '2147483647'], rows),
      ...columnsOf('money2', 'numeric', q('money2'), `${q('money2')}[]`, ',', ['NaN', '1234.5'], rows),
      ...columnsOf('host', 'inet', q('host'), `${q('host')}[]`, ',', ['10.0.0.1', '::1'], rows),
      ...columnsOf('posint2', 'int4', q('posint2'), `${q('posint2')}[]`, ',', ['7'], rows),
      {
        name: 'd_intarr',
        typeName: 'int8',
        ddl: q('intarr'),
        array: true,
        delimiter: ',',
        values: [`'{1550166368505037572,NULL}'`, `'{}'`, `'{{1,2},{3,4}}'`, `'[0:0]={9223372036854775807}'`],
      },
    );
    await sql.unsafe(`create table "${schema}".every_type (id int primary key, ${columns.map((c) => `${c.name} ${c.ddl}`).join(', ')})`);
    const insert = async (shift: number) => {
      if (shift === 0) {
        for (let row = 0; row < rows; row++) {
          const names = columns.map((c) => c.name);
          const values = columns.map((c) => c.values[row] ?? 'null');
          await sql.unsafe(`insert into "${schema}".every_type (id, ${names.join(', ')}) values (${row + 1}, ${values.join(', ')})`);
        }
        return;
      }
      // The same data again, written while the stream runs.
      const names = columns.map((c) => c.name).join(', ');
      await sql.unsafe(`insert into "${schema}".every_type (id, ${names}) select id + ${shift}, ${names} from "${schema}".every_type where id <= ${rows}`);
    };
    const slot = `${id}_cat`;
    slots.push(slot);
    await insert(0);
    const t = new LogicalReplicationTask(
      parseConfig(postgresSourceConfigSchema, { mode: 'logical', url, tables: [`${schema}.every_type`], topicTemplate: 't', slot, publication: slot, snapshotChunkSize: 3, pollIntervalMs: 50 }),
      noopContext(),
    );
    await t.start(staticOffsets());
    const captured: Captured = { snapshot: new Map(), stream: new Map(), failures: [] };
    try {
      for (const [phase, into] of [['snapshot', captured.snapshot], ['stream', captured.stream]] as const) {
        if (phase === 'stream') await insert(1000);
        for (const r of await pollUntil(t, rows)) {
          if (r.failure) captured.failures.push(r.failure.message);
          else {
            const after = (r.value as { after: Record<string, unknown> }).after;
            into.set(Number(after.id), after);
          }
        }
      }
    } finally {
      await t.stop();
    }
    expect(captured.failures).toEqual([]);
    expect([captured.snapshot.size, captured.stream.size]).toEqual([rows, rows]);

    // PostgreSQL's own text of every datum (its output function, as pgoutput sends it); num_nulls, as
    // `is null` is true for a composite whose fields are all null.
    const printed = await sql.unsafe<Record<string, string | null>[]>(
      `select id, ${columns.map((c) => `case when num_nulls(${c.name}) = 1 then null else concat(${c.name}) end as ${c.name}`).join(', ')} from "${schema}".every_type where id <= ${rows} order by id`,
    );
    const mismatches: string[] = [];
    for (const row of printed) {
      const rowId = Number(row.id);
      const snap = captured.snapshot.get(rowId) as Record<string, unknown>;
      const streamed = captured.stream.get(rowId + 1000) as Record<string, unknown>;
      for (const c of columns) {
        const text = row[c.name] ?? null;
        const value = snap[c.name];
        expect(streamed[c.name], `${c.name} of row ${rowId}: stream = snapshot`).toEqual(value);
        if (!roundTrips(c, value, text)) mismatches.push(`${c.name} row ${rowId}: PostgreSQL prints ${JSON.stringify(text)}, converted ${describeValue(value)}`);
      }
    }
    expect(mismatches).toEqual([]);
    const covered = types.filter((t) => VALUES[t.typname]).length;
    console.log(`type catalog test: ${columns.length} columns (${covered} catalog types, 10 with a modifier, domain, enum or composite, a domain over an array, ${columns.filter((c) => c.array).length} arrays) × ${rows} rows`);
  });
});

const FLOATS = new Set(['float4', 'float8']);

/** Whether the converted value is the datum PostgreSQL printed as `text`: its text, or for floats the same double. */
function roundTrips(column: CatalogColumn, value: unknown, text: string | null): boolean {
  if (text === null || value === null) return text === value;
  if (column.array && typeof value === 'string') return value === text; // more dimensions or other bounds: the exact text
  if (FLOATS.has(column.typeName)) {
    if (!column.array) return Object.is(value, Number(text));
    const parts = text === '{}' ? [] : text.slice(1, -1).split(',');
    const values = value as unknown[];
    return values.length === parts.length && parts.every((p, i) => (p === 'NULL' ? values[i] === null : Object.is(values[i], Number(p))));
  }
  const render = (v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : scalarText(column.typeName, v));
  if (column.array) return Array.isArray(value) && arrayText(value, column.delimiter, render) === text;
  return render(value) === text;
}

function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (Buffer.isBuffer(value)) return `<Buffer ${value.toString('hex')}>`;
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  return Object.is(value, -0) ? '-0' : JSON.stringify(value) ?? String(value);
}

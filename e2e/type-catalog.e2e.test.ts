import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStageFileName } from '@buyonline/sink-stage/testing';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppProcess } from './support/app-process.ts';
import { readTopic } from './support/kafka-topic.ts';
import { Scenario, sleep } from './support/scenario.ts';
import { runReconcile } from './support/reconcile.ts';

const endpoints = inject('endpoints');

/**
 * Sample values of each type by its pg_type name, as SQL literals' text: the extremes first,
 * Debezium's type-test values included (bigint 1550166368505037572 and 9223372036854775807,
 * timestamps in year 21016, 294247 and 4713 BC, ±infinity, numeric NaN, -0.0). `$user` is the
 * connected role (aclitem, regrole name roles that must exist).
 */
const SAMPLES: Readonly<Record<string, readonly string[]>> = {
  int2: ['-32768', '32767', '0', '-1'],
  int4: ['-2147483648', '2147483647', '0', '42'],
  int8: ['9223372036854775807', '-9223372036854775808', '1550166368505037572', '9007199254740993', '-9007199254740993', '9007199254740991', '0'],
  float4: ['-0', 'NaN', 'Infinity', '-Infinity', '3.4028235e+38', '1e-45', '0.1', '-1.17549435e-38'],
  float8: ['-0', 'NaN', 'Infinity', '-Infinity', '1.7976931348623157e+308', '5e-324', '0.1', '-2.2250738585072014e-308'],
  numeric: ['NaN', 'Infinity', '-Infinity', '-0.000000000000000000001', '123456789012345678901234567890.123456789', '0', '-0.50', '1e+20'],
  bool: ['true', 'false'],
  text: ['', 'Ünïcode ☃ "quotes" \\ back', 'line\nbreak\ttab', 'NULL', '😀 past U+FFFF'],
  varchar: ['', 'x', 'with , comma and {braces}'],
  bpchar: ['ab  ', 'x', ''],
  name: ['a_name', 'n'.repeat(63), 'With Space'],
  char: ['a', 'Z', ' '],
  bytea: ['\\x', '\\x00ff10', '\\xdeadbeef'],
  date: ['4713-01-01 BC', '5874897-12-31', '21016-01-01', '0001-01-01', '0001-12-31 BC', 'infinity', '-infinity', '1970-01-01', '2026-11-25'],
  time: ['00:00:00', '24:00:00', '23:59:59.999999', '12:34:56.5'],
  timetz: ['00:00:00+15:59', '24:00:00-15:59', '12:34:56.789+05:30'],
  timestamp: [
    '4713-01-01 00:00:00 BC',
    '294247-01-01 23:59:59.999999',
    '21016-01-01 00:00:00',
    'infinity',
    '-infinity',
    '2026-11-25 13:12:41.111039',
    '0001-01-01 00:00:00',
    '1600-02-29 12:00:00.000001',
    '1970-01-01 00:00:00',
  ],
  timestamptz: [
    '4713-01-01 00:00:00+00 BC',
    '294247-01-01 23:59:59.999999+00',
    '21016-01-01 00:00:00+00',
    'infinity',
    '-infinity',
    '1960-06-15 12:00:00.000001+05:30',
    '2026-11-25 13:12:41.111039+00',
    '0044-03-15 12:00:00+00 BC',
    '1970-01-01 00:00:00+00',
  ],
  interval: ['-178000000 years', '178000000 years', '1 year 2 mons 3 days 04:05:06.789', '0', '-1 day +01:00:00.000001'],
  uuid: ['00000000-0000-0000-0000-000000000000', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
  json: ['{}', '{"b": 1, "a": [1, 2.50]}', 'null', '"s"', '12345678901234567890'],
  jsonb: ['{}', '{"b": 1, "a": [1, 2.50]}', 'null', '"s"', '12345678901234567890'],
  jsonpath: ['$.a[*] ? (@ > 1)', '$', 'strict $.b'],
  xml: ['<a>b</a>', 'text only', '<x y="1"/>'],
  inet: ['10.0.0.1', '::1', '192.168.0.1/24', '2001:db8::/32'],
  cidr: ['10.0.0.0/8', '::/0', '192.168.100.128/25'],
  macaddr: ['08:00:2b:01:02:03', 'ff:ff:ff:ff:ff:ff'],
  macaddr8: ['08:00:2b:01:02:03:04:05', '00:00:00:00:00:00:00:00'],
  money: ['-92233720368547758.08', '92233720368547758.07', '0', '1.5'],
  bit: ['0', '1'],
  varbit: ['', '1010101', '0'],
  point: ['(0,0)', '(1.5,-2)', '(1e+300,-1e-300)'],
  line: ['{1,2,3}', '{0,-1,0}'],
  lseg: ['[(0,0),(1,1)]', '[(-1.5,2),(3,4)]'],
  box: ['(1,1),(0,0)', '(2.5,3),(-1,-1)'],
  path: ['[(0,0),(1,1)]', '((0,0),(1,1),(2,0))'],
  polygon: ['((0,0),(1,1),(2,0))', '((0,0))'],
  circle: ['<(0,0),1>', '<(1.5,-2),0.25>'],
  int4range: ['empty', '[1,10)', '(,)', '[-2147483648,2147483647)'],
  int8range: ['[-9223372036854775808,9223372036854775807)', 'empty', '[1550166368505037572,)'],
  numrange: ['[1.5,2.5]', '(,0)', 'empty'],
  tsrange: ['[2026-01-01,infinity)', '[4713-01-01 BC,21016-01-01)', 'empty'],
  tstzrange: ['["2026-01-01 00:00:00+00",)', '(-infinity,infinity)', 'empty'],
  daterange: ['[4713-01-01 BC,infinity)', 'empty', '[2026-01-01,2026-02-01)'],
  int4multirange: ['{}', '{[1,3), [5,7)}', '{(,)}'],
  int8multirange: ['{}', '{[1550166368505037572,9223372036854775807)}'],
  nummultirange: ['{}', '{[1.5,2.5], (3,)}'],
  tsmultirange: ['{}', '{[2026-01-01,2026-02-01), [21016-01-01,)}'],
  tstzmultirange: ['{}', '{(-infinity,"2026-01-01 00:00:00+00")}'],
  datemultirange: ['{}', '{[4713-01-01 BC,0001-01-01), [2026-01-01,infinity)}'],
  oid: ['0', '4294967295', '1259'],
  regproc: ['now', 'pg_catalog.array_in'],
  regprocedure: ['now()', 'sum(integer)'],
  regoper: ['||/', '|/'],
  regoperator: ['+(integer,integer)', '-(NONE,integer)'],
  regclass: ['pg_class', 'pg_catalog.pg_type'],
  regtype: ['integer', 'timestamp with time zone[]'],
  regrole: ['$user'],
  regnamespace: ['pg_catalog', 'public'],
  regconfig: ['english', 'simple'],
  regdictionary: ['simple', 'english_stem'],
  regcollation: ['"C"', '"POSIX"'],
  tid: ['(0,1)', '(4294967295,65535)'],
  xid: ['0', '4294967295'],
  xid8: ['0', '18446744073709551615'],
  cid: ['0', '4294967295'],
  pg_lsn: ['0/0', 'FFFFFFFF/FFFFFFFF', '16/B374D848'],
  pg_snapshot: ['10:20:10,14,15', '1:1:'],
  txid_snapshot: ['10:20:10,14,15', '1:1:'],
  refcursor: ['cur', ''],
  tsvector: ["a fat cat sat on a mat and ate a fat rat", '', "'with space':1A 'x':2B,3"],
  tsquery: ['fat & !rat', "'a b' <-> c:*"],
  aclitem: ['=r/$user', '$user=arwdDxt/$user'],
  int2vector: ['1 2 3', '', '-32768'],
  oidvector: ['1 2 3', '', '4294967295'],
  // Extensions (created when pg_available_extensions lists them).
  hstore: ['"a"=>"1", "b"=>NULL', '', '"k,\\"q"=>"v=>w"'],
  ltree: ['Top.Science.Astronomy', '', 'a'],
  lquery: ['*.Astronomy.*', 'Top.*{1,2}'],
  ltxtquery: ['Europe & Russia*@ & !Transportation'],
  citext: ['MiXeD', '', 'ÄÖÜ'],
  ean13: ['9780306406157', '0012345678905'],
  isbn: ['0-306-40615-2'],
  isbn13: ['978-0-306-40615-7'],
  ismn: ['M-060-11561-5'],
  ismn13: ['979-0-060-11561-5'],
  issn: ['0317-8471'],
  issn13: ['977-0317-847-00-1'],
  upc: ['012345678905'],
};

/** Extensions whose types the catalog test covers when the server has them. */
const EXTENSIONS = ['hstore', 'ltree', 'citext', 'isn'];

/** How a stage line renders a value of a (base) type: the source's documented mapping. */
type Kind = 'int' | 'float' | 'bool' | 'date' | 'time' | 'timestamp' | 'timestamptz' | 'text';

function kindOf(baseType: string): Kind {
  switch (baseType) {
    case 'int2':
    case 'int4':
    case 'int8':
      return 'int';
    case 'float4':
    case 'float8':
      return 'float';
    case 'bool':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return baseType;
    default:
      return 'text'; // numeric (exact text), bytea (\x…), and every other type: PostgreSQL's own text
  }
}

interface Column {
  name: string;
  /** The SQL type of the column. */
  sqlType: string;
  kind: Kind;
  samples: readonly string[];
  /** Also a column of the array of this type. */
  array: boolean;
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * The text a stage line must hold for a value of `kind`, computed by PostgreSQL from `x`:
 * the C2 forms for dates and times, the type's output function (what pgoutput sends) otherwise.
 */
function expectedText(kind: Kind, x: string): string {
  switch (kind) {
    case 'date':
      return `${x}::text`;
    case 'time':
      return `case when ${x} = '24:00:00'::time then '24:00:00.000000' else to_char('2000-01-01'::date + ${x}, 'HH24:MI:SS.US') end`;
    case 'timestamp':
      return `case when not isfinite(${x}) then ${x}::text else to_char(${x}, 'YYYY-MM-DD"T"HH24:MI:SS.US') || case when ${x} < '0001-01-01 00:00:00'::timestamp then ' BC' else '' end end`;
    case 'timestamptz':
      return `case when not isfinite(${x}) then ${x}::text else to_char(${x} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || case when ${x} < '0001-01-01 00:00:00+00'::timestamptz then ' BC' else '' end end`;
    default:
      // `(x)::text is null`, not `x is null`: a composite whose fields are all NULL `is null`, yet it is a value, `(,,)`.
      return `case when (${x})::text is null then null else concat(${x}) end`;
  }
}

/** The JSON a stage line holds for PostgreSQL's text of a value (numbers as JSON numbers, exact; the rest as strings). */
function expectedJson(kind: Kind, text: string | null): string {
  if (text === null) return 'null';
  switch (kind) {
    case 'int':
      return text; // every digit, also past 2^53
    case 'float':
      if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return JSON.stringify(text);
      return text === '-0' ? '-0' : String(Number(text));
    case 'bool':
      return text === 't' ? 'true' : 'false';
    default:
      return JSON.stringify(text);
  }
}

/** The top-level fields of a stage line (compact JSON), each as its raw JSON text: digits stay digits, -0 stays -0. */
function rawFields(line: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 1;
  while (i < line.length && line[i] !== '}') {
    const keyEnd = endOfString(line, i);
    const key = JSON.parse(line.slice(i, keyEnd)) as string;
    const valueEnd = endOfValue(line, keyEnd + 1);
    out.set(key, line.slice(keyEnd + 1, valueEnd));
    i = line[valueEnd] === ',' ? valueEnd + 1 : valueEnd;
  }
  return out;
}

function endOfString(text: string, start: number): number {
  let j = start + 1;
  while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
  return j + 1;
}

function endOfValue(text: string, start: number): number {
  let depth = 0;
  for (let j = start; j < text.length; ) {
    const c = text[j];
    if (c === '"') {
      j = endOfString(text, j);
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0) return j;
      depth--;
    } else if (c === ',' && depth === 0) return j;
    j++;
  }
  return text.length;
}

interface StagedRow {
  fields: Map<string, string>;
  op: string;
  offset: number;
}

/** The last line of each id in the stage's finished files, read raw. */
function stagedRows(root: string, topic: string): Map<number, StagedRow> {
  const out = new Map<number, StagedRow>();
  const topicDir = join(root, topic);
  if (!existsSync(topicDir)) return out;
  for (const partition of readdirSync(topicDir)) {
    for (const name of readdirSync(join(topicDir, partition))) {
      if (!parseStageFileName(name)) continue;
      for (const line of readFileSync(join(topicDir, partition, name), 'utf8').split('\n')) {
        if (!line) continue;
        const fields = rawFields(line);
        const id = Number(fields.get('id'));
        const offset = (JSON.parse(fields.get('__kafka') ?? '{}') as { offset?: number }).offset ?? -1;
        const known = out.get(id);
        if (!known || known.offset < offset) out.set(id, { fields, op: JSON.parse(fields.get('__op') ?? '""') as string, offset });
      }
    }
  }
  return out;
}

/** The column's value in row `r` as SQL: samples in turn; arrays empty, two-dimensional, or with a NULL inside. */
function valueSql(column: Column, r: number, array: boolean): string {
  const at = (i: number) => `${quote(column.samples[i % column.samples.length] as string)}::${column.sqlType}`;
  if (!array) return at(r);
  if (r === 0) return `'{}'::${column.sqlType}[]`;
  if (r === 1) return `array[array[${at(0)}, ${at(1)}], array[${at(1)}, ${at(0)}]]`;
  return `array[${at(r)}, null, ${at(r + 1)}]`;
}

const sqlName = (c: Column, array: boolean) => (array ? `a_${c.name}` : `c_${c.name}`);

/** What PostgreSQL makes of each column of each row: the text the stage must hold. */
async function expectedRows(sql: Sql, table: string, columns: readonly Column[]): Promise<Map<number, Map<string, string>>> {
  const select: string[] = [];
  for (const c of columns) {
    const col = `t.${sqlName(c, false)}`;
    select.push(`${expectedText(c.kind, col)} as ${sqlName(c, false)}`);
    if (!c.array) continue;
    const arr = `t.${sqlName(c, true)}`;
    select.push(
      `case when ${arr} is null then null when array_ndims(${arr}) > 1 or array_lower(${arr}, 1) <> 1 then json_build_object('text', concat(${arr}))` +
        ` else json_build_object('items', (select coalesce(json_agg(${expectedText(c.kind, `(${arr})[g.i]`)} order by g.i), '[]') from generate_subscripts(${arr}, 1) g(i))) end as ${sqlName(c, true)}`,
    );
  }
  // The producer's session settings: values print as the source reads them.
  const rows = await sql.begin(async (tx) => {
    await tx.unsafe(`set local TimeZone = 'UTC'; set local DateStyle = 'ISO'; set local IntervalStyle = 'iso_8601'; set local extra_float_digits = 3; set local bytea_output = 'hex'`);
    return tx.unsafe<Record<string, unknown>[]>(`select t.id::int as id, ${select.join(', ')} from ${table} t order by t.id`);
  });
  const out = new Map<number, Map<string, string>>();
  for (const row of rows) {
    const fields = new Map<string, string>([['id', String(row.id)]]);
    for (const c of columns) {
      fields.set(sqlName(c, false), expectedJson(c.kind, row[sqlName(c, false)] as string | null));
      if (!c.array) continue;
      const arr = row[sqlName(c, true)] as { text?: string; items?: (string | null)[] } | null;
      fields.set(
        sqlName(c, true),
        arr === null ? 'null' : arr.items ? `[${arr.items.map((t) => expectedJson(c.kind, t)).join(',')}]` : JSON.stringify(arr.text),
      );
    }
    out.set(row.id as number, fields);
  }
  return out;
}

/** Waits until the stage (or the source dead-letter topic) accounts for `ids`, or the producer stopped; what came, either way. */
async function arrivals(scenario: Scenario, producer: AppProcess, ids: readonly number[], timeoutMs: number): Promise<{ staged: Map<number, StagedRow>; dead: string[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const staged = stagedRows(scenario.stageDir, scenario.topic);
    const deadRecords = await readTopic(endpoints.brokers, `${scenario.topic}.source-dlq`).catch(() => []);
    const dead = deadRecords.map((r) => r.headers['dlq.error.message'] ?? '(no message)');
    const accounted = ids.filter((id) => staged.has(id)).length + dead.length;
    if (accounted >= ids.length || Date.now() > deadline || !producer.running) return { staged, dead };
    await sleep(1000);
  }
}

/**
 * Item 1's proof through the whole pipeline: a table with a column of every type a column can
 * have (from pg_type: every base, range and multirange type that is not internal, its array, a
 * domain, an enum, a composite and the types of available extensions), rows written before the
 * producer starts (snapshot) and again while it streams, each value arriving in the stage
 * equal to what PostgreSQL itself renders.
 */
describe('every type in the catalog, through snapshot and stream, to the stage', () => {
  const scenario = new Scenario('typecat', endpoints);
  const table = `"${scenario.schema}".catalog`;
  const columns: Column[] = [];
  const skipped: string[] = [];
  let rowCount = 0;
  afterAll(() => scenario.cleanup());

  beforeAll(async () => {
    const sql = scenario.sql;
    const user = (await sql<{ u: string }[]>`select current_user::text as u`)[0]?.u ?? 'postgres';
    const available = new Set((await sql<{ name: string }[]>`select name::text as name from pg_available_extensions`).map((r) => r.name));
    const extensions: string[] = [];
    for (const ext of EXTENSIONS) {
      if (!available.has(ext)) {
        skipped.push(`extension ${ext}: not in pg_available_extensions on this server`);
        continue;
      }
      // Database-wide, and other tests may create it at the same moment: a second try sees it.
      await sql.unsafe(`create extension if not exists ${ext}`).catch(() => sql.unsafe(`create extension if not exists ${ext}`));
      extensions.push(ext);
    }
    const types = await sql<{ name: string; sql_type: string; has_array: boolean }[]>`
      select t.typname::text as name, format('%I.%I', n.nspname, t.typname) as sql_type, t.typarray <> 0 as has_array
        from pg_type t join pg_namespace n on n.oid = t.typnamespace
       where t.typtype in ('b', 'r', 'm') and t.typisdefined
         and not exists (select 1 from pg_type e where e.oid = t.typelem and e.typarray = t.oid)
         and (n.nspname = 'pg_catalog' or exists (
               select 1 from pg_depend d join pg_extension x on x.oid = d.refobjid
                where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e' and x.extname = any(${extensions})))
       order by t.typname`;
    const missing: string[] = [];
    for (const t of types) {
      const samples = SAMPLES[t.name];
      if (!samples) {
        // A type whose input function refuses every value is internal (statistics, index support): no column holds one a user wrote.
        const refusal = await sql.unsafe(`select ''::${t.sql_type}`).then(
          () => undefined,
          (err: Error) => (/cannot accept a value of type|not implemented/i.test(err.message) ? err.message : undefined),
        );
        if (refusal) skipped.push(`${t.name}: internal type (${refusal})`);
        else missing.push(t.name);
        continue;
      }
      columns.push({ name: t.name, sqlType: t.sql_type, kind: kindOf(t.name), samples: samples.map((s) => s.replaceAll('$user', user)), array: t.has_array });
    }
    // A type PostgreSQL added (or an extension's) needs sample values here before it is covered.
    expect(missing, 'catalog types without sample values').toEqual([]);

    const s = `"${scenario.schema}"`;
    await sql.unsafe(`create schema ${s}`);
    await sql.unsafe(`create type ${s}.mood as enum ('sad', 'ok', 'happy', 'with space', 'ünï')`);
    await sql.unsafe(`create type ${s}.comp as (a int8, b text, c timestamptz, d numeric(6,2), e int4[])`);
    await sql.unsafe(`create domain ${s}.d_int as int4 check (value > -100)`);
    await sql.unsafe(`create domain ${s}.d_big as int8`);
    await sql.unsafe(`create domain ${s}.d_tstz as timestamptz`);
    await sql.unsafe(`create domain ${s}.d_date as date`);
    await sql.unsafe(`create domain ${s}.d_num as numeric(10,2)`);
    await sql.unsafe(`create domain ${s}.d_text as text check (value <> 'forbidden')`);
    columns.push(
      { name: 'numeric_12_4', sqlType: 'numeric(12,4)', kind: 'text', samples: ['NaN', '99999999.9999', '-99999999.9999', '0.0001', '0.0000', '-0.5000'], array: true },
      { name: 'varchar_5', sqlType: 'varchar(5)', kind: 'text', samples: ['abcde', ''], array: true },
      { name: 'char_4', sqlType: 'char(4)', kind: 'text', samples: ['ab', 'abcd', ''], array: true },
      { name: 'bit_8', sqlType: 'bit(8)', kind: 'text', samples: ['10101010', '00000000'], array: true },
      { name: 'time_0', sqlType: 'time(0)', kind: 'time', samples: ['23:59:59', '24:00:00'], array: true },
      { name: 'timestamptz_3', sqlType: 'timestamptz(3)', kind: 'timestamptz', samples: ['2026-11-25 13:12:41.123+00', '21016-01-01 00:00:00+00'], array: true },
      { name: 'interval_ym', sqlType: 'interval year to month', kind: 'text', samples: ['1 year 2 mons', '-178000000 years'], array: true },
      { name: 'mood', sqlType: `${s}.mood`, kind: 'text', samples: ['sad', 'happy', 'with space', 'ünï'], array: true },
      {
        name: 'comp',
        sqlType: `${s}.comp`,
        kind: 'text',
        samples: ['(9223372036854775807,"a ""b"", c",2026-11-25 13:12:41.111039+00,-1.50,"{1,NULL,3}")', '(,,,,)', '(1550166368505037572,,"4713-01-01 00:00:00+00 BC",NaN,{})'],
        array: true,
      },
      { name: 'd_int', sqlType: `${s}.d_int`, kind: 'int', samples: ['-99', '2147483647'], array: true },
      { name: 'd_big', sqlType: `${s}.d_big`, kind: 'int', samples: ['1550166368505037572', '-9223372036854775808'], array: true },
      { name: 'd_tstz', sqlType: `${s}.d_tstz`, kind: 'timestamptz', samples: ['21016-01-01 00:00:00+00', 'infinity', '4713-01-01 00:00:00+00 BC'], array: true },
      { name: 'd_date', sqlType: `${s}.d_date`, kind: 'date', samples: ['4713-01-01 BC', '-infinity', '21016-01-01'], array: true },
      { name: 'd_num', sqlType: `${s}.d_num`, kind: 'text', samples: ['NaN', '-99999999.99', '0.10'], array: true },
      { name: 'd_text', sqlType: `${s}.d_text`, kind: 'text', samples: ['allowed', ''], array: true },
    );
    const defs = columns.flatMap((c) => [`${sqlName(c, false)} ${c.sqlType}`, ...(c.array ? [`${sqlName(c, true)} ${c.sqlType}[]`] : [])]);
    await sql.unsafe(`create table ${table} (id int primary key, ${defs.join(', ')})`);
    rowCount = Math.max(...columns.map((c) => c.samples.length)) + 1;
    for (const note of skipped) console.warn(`type catalog: skipped ${note}`);
  });

  /** Rows `base + 0 … base + rowCount - 1` with every sample in turn, then one row of NULLs. */
  async function writeRows(base: number): Promise<number[]> {
    const ids: number[] = [];
    await scenario.sql.begin(async (tx) => {
      for (let r = 0; r < rowCount; r++) {
        const values = columns.flatMap((c) => [valueSql(c, r, false), ...(c.array ? [valueSql(c, r, true)] : [])]);
        await tx.unsafe(`insert into ${table} values (${base + r}, ${values.join(', ')})`);
        ids.push(base + r);
      }
      await tx.unsafe(`insert into ${table} (id) values (${base + rowCount})`);
      ids.push(base + rowCount);
    });
    return ids;
  }

  it('arrives in the stage as PostgreSQL renders it, the same from the snapshot and from the stream', async () => {
    const snapshotIds = await writeRows(1);
    const producer = scenario.producer('producer', { PG_TABLE: `${scenario.schema}.catalog` }).start();
    const consumer = scenario.consumer('consumer').start();
    const first = await arrivals(scenario, producer, snapshotIds, 150_000);
    // Written once the snapshot's rows are in (or dead-lettered): these travel through the stream.
    const streamIds = await writeRows(1001);
    const { staged, dead } = await arrivals(scenario, producer, [...snapshotIds, ...streamIds], 150_000);
    const expected = await expectedRows(scenario.sql, table, columns);

    let compared = 0;
    const problems: string[] = dead.map((m) => `dead-lettered: ${m}`);
    if (!producer.running) problems.push(`the producer exited (${await producer.wait()}): see ${scenario.logDir}`);
    for (const [id, want] of expected) {
      const got = staged.get(id);
      const path = snapshotIds.includes(id) ? 'snapshot' : 'stream';
      if (!got) {
        problems.push(`row ${id} (${path}): missing from the stage`);
        continue;
      }
      if (path === 'snapshot' && got.op !== 'r') problems.push(`row ${id}: op ${got.op}, expected a snapshot read`);
      if (path === 'stream' && got.op !== 'c') problems.push(`row ${id}: op ${got.op}, expected an insert`);
      for (const [column, text] of want) {
        compared++;
        const actual = got.fields.get(column);
        if (actual !== text) problems.push(`row ${id} (${path}) ${column}: stage ${actual ?? '(absent)'}, PostgreSQL ${text}`);
      }
    }
    if (first.staged.size + first.dead.length < snapshotIds.length) problems.unshift(`only ${first.staged.size} snapshot rows staged before the stream rows were written`);
    console.warn(`type catalog: ${columns.length} types (${columns.filter((c) => c.array).length} with their array), ${expected.size} rows, ${compared} values compared`);
    expect(expected.size).toBe(snapshotIds.length + streamIds.length);
    // Every problem, also when the list is long, for the report.
    writeFileSync(join(scenario.logDir, 'type-catalog-problems.txt'), `${problems.join('\n')}\n`);
    expect(problems, `${problems.length} values differ from PostgreSQL's rendering (all in ${scenario.logDir}/type-catalog-problems.txt)`).toEqual([]);
    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
    // The user-facing check agrees: `consumer reconcile` reads every type of the table as the stage holds it.
    const reconcile = await runReconcile(scenario, { PG_TABLE: `${scenario.schema}.catalog` });
    const differing = reconcile.report?.differing.map((d) => `${d.id}: ${d.fields.join(', ')}`) ?? [];
    expect({ code: reconcile.code, counts: reconcile.report?.counts, differing }, reconcile.stderr.slice(-2000)).toEqual({
      code: 0,
      counts: { missing: 0, extra: 0, differing: 0 },
      differing: [],
    });
  }, 600_000);
});

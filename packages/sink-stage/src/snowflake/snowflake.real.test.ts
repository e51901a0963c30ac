import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, FencedError, Redacted } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageFileName } from '../file-naming.ts';
import { LocalStage } from '../local-stage.ts';
import { SdkSnowflakeClient, type SnowflakeAuth, type SnowflakeClient } from './client.ts';
import { readCurrentTableLines } from './current-table.ts';
import { SnowflakeStage, type SnowflakeStageOptions } from './snowflake-stage.ts';
import { errorLocation, qualifiedName, quoteIdent, selectLoadedStatement, stageLocation } from './sql.ts';

/**
 * Opt-in: runs against the Snowflake account in SNOWFLAKE_* (ACCOUNT, USERNAME, PASSWORD or
 * PRIVATE_KEY [+ PRIVATE_KEY_PASSPHRASE], DATABASE, WAREHOUSE, optional ROLE, ACCESS_URL).
 * Each run works in a schema of its own, dropped at the end. Pointed at fakesnow
 * (SNOWFLAKE_ACCESS_URL, SNOWFLAKE_PATH_STYLE=plain, SNOWFLAKE_LIST_WHOLE_STAGE=true) the
 * checks fakesnow cannot make are skipped, and say so.
 */
const env = process.env;
const missing = ['SNOWFLAKE_ACCOUNT', 'SNOWFLAKE_USERNAME', 'SNOWFLAKE_DATABASE'].filter((k) => !env[k]);
if (!env.SNOWFLAKE_PASSWORD && !env.SNOWFLAKE_PRIVATE_KEY && !env.SNOWFLAKE_PRIVATE_KEY_FILE) missing.push('SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY(_FILE)');
const skipReason = missing.length > 0 ? ` [skipped: ${missing.join(', ')} not set]` : '';
const emulator = Boolean(env.SNOWFLAKE_ACCESS_URL);
const realOnly = emulator ? ' [skipped: SNOWFLAKE_ACCESS_URL points at an emulator, which checks no credentials / privileges]' : '';

const secret = (v: string | undefined) => (v ? new Redacted(v) : undefined);
const schema = `CDC_TEST_${Date.now().toString(36).toUpperCase()}`;
const auth = (): SnowflakeAuth => ({
  account: env.SNOWFLAKE_ACCOUNT ?? '',
  username: env.SNOWFLAKE_USERNAME ?? '',
  password: secret(env.SNOWFLAKE_PASSWORD),
  privateKey: secret(env.SNOWFLAKE_PRIVATE_KEY_FILE ? readFileSync(env.SNOWFLAKE_PRIVATE_KEY_FILE, 'utf8') : env.SNOWFLAKE_PRIVATE_KEY?.replaceAll('\\n', '\n')),
  privateKeyPassphrase: secret(env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE),
  warehouse: env.SNOWFLAKE_WAREHOUSE,
  database: env.SNOWFLAKE_DATABASE ?? '',
  schema,
  role: env.SNOWFLAKE_ROLE,
  accessUrl: env.SNOWFLAKE_ACCESS_URL,
});
const TABLE = 'CHANGES';
const options: SnowflakeStageOptions = {
  database: env.SNOWFLAKE_DATABASE ?? '',
  schema,
  stageName: 'CDC_STAGE',
  pathPrefix: 'real-test',
  pathStyle: env.SNOWFLAKE_PATH_STYLE === 'plain' ? 'plain' : 'hive',
  listWholeStage: env.SNOWFLAKE_LIST_WHOLE_STAGE === 'true',
  targetTable: TABLE,
  variantColumn: 'RECORD',
  load: true,
  createObjects: true,
  tableFormat: 'variant',
};
const TOPIC = 'real.test.products';
const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${JSON.stringify({ id: from + i, name: `p ${from + i} ✓`, __kafka: { offset: from + i } })}\n`).join('');

describe.skipIf(missing.length > 0)(`Snowflake stage against a real account${skipReason}`, () => {
  let spool: string;
  const client = new SdkSnowflakeClient(auth(), noopContext().logger, 3);
  const stage = () => new SnowflakeStage(options, new LocalStage(spool, { fenced: false }), spool, client, noopContext().logger);
  const count = async () => Number((await client.execute(`SELECT COUNT(*) AS "N" FROM ${qualifiedName(options.database, schema, TABLE)}`))[0]?.N);

  beforeAll(async () => {
    spool = await mkdtemp(join(tmpdir(), 'snowflake-real-'));
  });
  afterAll(async () => {
    await client.execute(`DROP SCHEMA IF EXISTS ${quoteIdent(options.database)}.${quoteIdent(schema)} CASCADE`).catch(() => undefined);
    await client.close();
    await rm(spool, { recursive: true, force: true });
  });

  it('logs in, creates the objects, PUTs, LISTs and COPYs; recover finds the end offset', async () => {
    await stage().write({ topic: TOPIC, partition: 0, startOffset: 0, endOffset: 99 }, lines(0, 99));
    await stage().write({ topic: TOPIC, partition: 0, startOffset: 100, endOffset: 149 }, lines(100, 149));
    expect(await count()).toBe(150);
    const listed = await stage().list(TOPIC, 0);
    expect(listed.map(stageFileName)).toEqual([
      stageFileName({ topic: TOPIC, partition: 0, startOffset: 0, endOffset: 99 }),
      stageFileName({ topic: TOPIC, partition: 0, startOffset: 100, endOffset: 149 }),
    ]);
    expect(await stage().recover(TOPIC, 0)).toEqual({ nextOffset: 150, removedTemps: 0 });
    const rows = await client.execute(selectLoadedStatement(options));
    const first = rows.map((r) => (typeof r.RECORD === 'string' ? JSON.parse(r.RECORD) : r.RECORD) as { id: number; name: string }).find((r) => r.id === 7);
    expect(first?.name).toBe('p 7 ✓');
  });

  it('a second COPY, and a re-PUT of the same name, load nothing twice', async () => {
    const before = await count();
    await client.execute(`COPY INTO ${qualifiedName(options.database, schema, TABLE)} FROM ${stageLocation(options, TOPIC, 0)} FILE_FORMAT=(TYPE=JSON)`);
    await stage().recover(TOPIC, 0);
    expect(await count()).toBe(before);
  });

  it.skipIf(emulator)(`PUT OVERWRITE=FALSE answers SKIPPED for a name already in the stage${realOnly}`, async () => {
    const ref = { topic: TOPIC, partition: 1, startOffset: 0, endOffset: 0 };
    await stage().write(ref, lines(0, 0));
    const local = new LocalStage(spool);
    await local.write(ref, lines(0, 0));
    const path = join(spool, `${TOPIC}/${options.pathStyle === 'hive' ? 'partition=1' : '1'}`, stageFileName(ref));
    const rows = await client.execute(`PUT 'file://${path}' ${stageLocation(options, TOPIC, 1)} AUTO_COMPRESS=TRUE OVERWRITE=FALSE`);
    expect(String(rows[0]?.status)).toBe('SKIPPED');
  });

  it.skipIf(emulator)(`a wrong password is a ConfigError, not a retry loop${realOnly}`, async () => {
    const bad = new SdkSnowflakeClient({ ...auth(), privateKey: undefined, password: new Redacted('definitely-wrong') }, noopContext().logger, 3);
    await expect(bad.execute('SELECT 1')).rejects.toBeInstanceOf(ConfigError);
  });

  it(`a missing stage is a ConfigError`, async () => {
    const other = new SnowflakeStage({ ...options, stageName: 'NO_SUCH_STAGE', createObjects: false }, new LocalStage(spool, { fenced: false }), spool, client, noopContext().logger);
    await expect(other.list(TOPIC, 0)).rejects.toBeInstanceOf(ConfigError);
  });

  it('loads each file on its own: the COPY of a file looks at that file only, however many the folder holds', async () => {
    const copied: number[] = [];
    const recording: SnowflakeClient = {
      dryRun: false,
      execute: async (sql) => {
        const rows = await client.execute(sql);
        if (sql.startsWith(`COPY INTO ${qualifiedName(options.database, schema, TABLE)}`)) copied.push(rows.length);
        return rows;
      },
      close: async () => undefined,
    };
    const counting = new SnowflakeStage(options, new LocalStage(spool, { fenced: false }), spool, recording, noopContext().logger);
    await counting.list(TOPIC, 2); // creates the objects when this test runs alone
    const before = await count();
    for (let i = 0; i < 20; i++) await counting.write({ topic: TOPIC, partition: 2, startOffset: i * 5, endOffset: i * 5 + 4 }, lines(i * 5, i * 5 + 4));
    expect(await count()).toBe(before + 100);
    expect(copied).toEqual(Array(20).fill(1));
  }, 120_000);

  it.skipIf(emulator)(`a file whose data Snowflake refuses goes to the error location with its reason; the partition goes on${emulator ? ' [skipped: fakesnow fails such a COPY with an unhandled exception]' : ''}`, async () => {
    await stage().list(TOPIC, 3);
    const before = await count();
    await stage().write({ topic: TOPIC, partition: 3, startOffset: 0, endOffset: 4 }, lines(0, 4));
    await stage().write({ topic: TOPIC, partition: 3, startOffset: 5, endOffset: 6 }, `${lines(5, 5)}{"id": 6, "name":\n`);
    await stage().write({ topic: TOPIC, partition: 3, startOffset: 7, endOffset: 9 }, lines(7, 9));
    expect(await count()).toBe(before + 8);
    const errors = (await client.execute(`LIST ${errorLocation(options, TOPIC, 3)}`)).map((r) => String(r.name ?? r.NAME));
    expect(errors.some((n) => n.endsWith(`${stageFileName({ topic: TOPIC, partition: 3, startOffset: 5, endOffset: 6 })}.error.json.gz`))).toBe(true);
  }, 120_000);

  it('two consumers racing for overlapping ranges of one partition never both deliver (10 trials)', async () => {
    for (let trial = 0; trial < 10; trial++) {
      const partition = 10 + trial;
      // each consumer with a spool and a connection of its own
      const clients: SdkSnowflakeClient[] = [];
      const own = async () => {
        const dir = await mkdtemp(join(spool, 'own-'));
        const connection = new SdkSnowflakeClient(auth(), noopContext().logger, 3);
        clients.push(connection);
        return new SnowflakeStage(options, new LocalStage(dir, { fenced: false }), dir, connection, noopContext().logger);
      };
      const zombie = await own();
      await zombie.recover(TOPIC, partition);
      await zombie.write({ topic: TOPIC, partition, startOffset: 0, endOffset: 9 }, lines(0, 9));
      const owner = await own();
      const outcomes = await Promise.all([
        zombie.write({ topic: TOPIC, partition, startOffset: 10, endOffset: 10 + trial }, lines(10, 10 + trial)).then(() => 'delivered', (e: unknown) => (e instanceof FencedError ? 'fenced' : Promise.reject(e))),
        owner.recover(TOPIC, partition).then(() => owner.write({ topic: TOPIC, partition, startOffset: 10, endOffset: 19 }, lines(10, 19))).then(() => 'delivered', (e: unknown) => (e instanceof FencedError ? 'fenced' : Promise.reject(e))),
      ]);
      const delivered = outcomes.filter((o) => o === 'delivered').length;
      expect(delivered, `trial ${trial}: ${outcomes.join(', ')}`).toBeLessThanOrEqual(1);
      expect((await stage().recover(TOPIC, partition)).nextOffset, `trial ${trial}`).toBeGreaterThanOrEqual(10);
      for (const c of clients) await c.close();
    }
  }, 300_000);
});

/**
 * Typed tables and the current-state MERGE. On an account the COPY transforms (`$1:f::TYPE`);
 * against fakesnow (SNOWFLAKE_ACCESS_URL) it goes through the landing VARIANT table
 * (typedCopy via-variant), since fakesnow's JSON COPY cannot transform.
 */
describe.skipIf(missing.length > 0)(`typed tables and MERGE against Snowflake${skipReason}`, () => {
  let spool: string;
  const client = new SdkSnowflakeClient(auth(), noopContext().logger, 3);
  const typedSchema = `${schema}_T`;
  const TYPED_TOPIC = 'real.test.items';
  const typedOptions: SnowflakeStageOptions = {
    ...options,
    schema: typedSchema,
    tableFormat: 'typed',
    topic2table: { [TYPED_TOPIC]: 'ITEMS' },
    typedCopy: emulator ? 'via-variant' : 'transform',
    merge: true,
  };
  const stage = () => new SnowflakeStage(typedOptions, new LocalStage(spool, { fenced: false }), spool, client, noopContext().logger);
  const envelope = (extra: unknown[] = []) => ({
    type: 'record',
    name: 'Value',
    fields: [
      { name: 'op', type: { type: 'enum', name: 'Op', symbols: ['c', 'u', 'd', 'r', 't'] } },
      { name: 'before', type: ['null', 'Row'], default: null },
      {
        name: 'after',
        type: [
          'null',
          {
            type: 'record',
            name: 'Row',
            fields: [
              { name: 'id', type: 'long' },
              { name: 'name', type: 'string' },
              { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
              { name: 'updated_at', type: { type: 'long', logicalType: 'timestamp-micros' } },
              { name: 'born', type: { type: 'int', logicalType: 'date' } },
              { name: 'attrs', type: ['null', { type: 'string', 'buyonline.pg.type': 'jsonb' }] },
              ...extra,
            ],
          },
        ],
      },
    ],
  });
  const v1 = envelope();
  const v2 = envelope([{ name: 'colour', type: ['null', 'string'], default: null }]);
  const lsnOf = (n: number) => `0/${(0x1000 + n).toString(16).toUpperCase()}`;
  /** A stage line as toStageRow writes it. */
  const line = (partition: number, offset: number, op: string, lsn: number, row: Record<string, unknown>) =>
    `${JSON.stringify({
      ...row,
      __op: op,
      __deleted: op === 'd' || op === 't',
      __source: { connector: 'postgres-logical', db: 'db', schema: 'public', table: 'items', position: '{}', txid: lsn, lsn: lsnOf(lsn), snapshot: false, ts_us: '2026-01-02T03:04:05.000000Z' },
      __processed_at: '2026-01-02T03:04:06.000000Z',
      __kafka: { topic: TYPED_TOPIC, partition, offset, key: { id: row.id }, timestamp: '2026-01-02T03:04:06.000Z' },
    })}\n`;
  const item = (id: number, name: string, price = '1.50') => ({ id, name, price, updated_at: '2026-01-02T03:04:05.123456Z', born: '2020-02-29', attrs: '{"a":[1,2]}' });
  const rowsOf = async (table: string) =>
    (await client.execute(`SELECT "ID", "NAME", TO_VARCHAR("PRICE") AS "PRICE", "__OP" FROM ${qualifiedName(typedOptions.database, typedSchema, table)} ORDER BY "ID", "__KAFKA_PARTITION", "__KAFKA_OFFSET"`)).map((r) => ({
      id: Number(r.ID),
      name: r.NAME,
      price: r.PRICE === null ? null : String(r.PRICE),
      op: r.__OP,
    }));
  const file = (partition: number, startOffset: number, endOffset: number) => ({ topic: TYPED_TOPIC, partition, startOffset, endOffset });
  const keyed = (valueSchemas: Record<string, unknown>[]) => ({ valueSchemas, keyFields: ['id'] });

  beforeAll(async () => {
    spool = await mkdtemp(join(tmpdir(), 'snowflake-typed-'));
  });
  afterAll(async () => {
    await client.execute(`DROP SCHEMA IF EXISTS ${quoteIdent(typedOptions.database)}.${quoteIdent(typedSchema)} CASCADE`).catch(() => undefined);
    await client.close();
    await rm(spool, { recursive: true, force: true });
  });

  it('loads typed columns with column mapping; a replayed file loads nothing', async () => {
    await stage().write(file(0, 0, 2), line(0, 0, 'r', 1, item(1, 'one')) + line(0, 1, 'r', 1, item(2, 'two')) + line(0, 2, 'c', 2, item(3, 'three', '12.50')), keyed([v1]));
    expect(await rowsOf('ITEMS')).toEqual([
      { id: 1, name: 'one', price: '1.50', op: 'r' },
      { id: 2, name: 'two', price: '1.50', op: 'r' },
      { id: 3, name: 'three', price: '12.50', op: 'c' },
    ]);
    const [typed] = await client.execute(
      `SELECT TO_VARCHAR("BORN") AS "BORN", "ATTRS" AS "ATTRS", "__SOURCE_POSITION" AS "P", "__KAFKA_OFFSET" AS "O" FROM ${qualifiedName(typedOptions.database, typedSchema, 'ITEMS')} WHERE "ID" = 3`,
    );
    // a jsonb field is a VARIANT holding the document (not its text)
    expect(typeof typed?.ATTRS === 'string' ? JSON.parse(typed.ATTRS) : typed?.ATTRS).toEqual({ a: [1, 2] });
    expect(typed).toMatchObject({ BORN: '2020-02-29', P: `00000000${(0x1002).toString(16).toUpperCase().padStart(8, '0')}` });
    expect(Number(typed?.O)).toBe(2);
    // a restarted writer recovers the partition: the chain's last file is loaded again, and nothing doubles
    expect(await stage().recover(TYPED_TOPIC, 0)).toEqual({ nextOffset: 3, removedTemps: 0 });
    expect(await rowsOf('ITEMS')).toHaveLength(3);
    expect(await rowsOf('ITEMS_CURRENT')).toHaveLength(3);
  });

  it('adds the column a new schema carries (ALTER TABLE … ADD COLUMN); older rows hold NULL in it', async () => {
    await stage().write(file(0, 3, 3), line(0, 3, 'u', 3, { ...item(1, 'one v2'), colour: 'red' }), keyed([v2]));
    const rows = await client.execute(`SELECT "ID", "COLOUR" FROM ${qualifiedName(typedOptions.database, typedSchema, 'ITEMS')} ORDER BY "__KAFKA_OFFSET"`);
    expect(rows.map((r) => [Number(r.ID), r.COLOUR])).toEqual([
      [1, null],
      [2, null],
      [3, null],
      [1, 'red'],
    ]);
  });

  it('MERGEs into _CURRENT: updates upsert, deletes remove, an older version never overwrites a newer one, replay changes nothing, a truncate clears older rows', async () => {
    expect(await rowsOf('ITEMS_CURRENT')).toEqual([
      { id: 1, name: 'one v2', price: '1.50', op: 'u' },
      { id: 2, name: 'two', price: '1.50', op: 'r' },
      { id: 3, name: 'three', price: '12.50', op: 'c' },
    ]);
    // one file with two versions of key 2 (the latest wins) and a delete of key 3
    await stage().write(file(0, 4, 6), line(0, 4, 'u', 4, item(2, 'two v2')) + line(0, 5, 'u', 5, item(2, 'two v3')) + line(0, 6, 'd', 6, item(3, 'three')), keyed([v2]));
    // an older version of key 1 arriving late, from another partition (a key that moved partitions)
    await stage().write(file(1, 0, 0), line(1, 0, 'u', 2, item(1, 'one stale')), keyed([v2]));
    const expected = [
      { id: 1, name: 'one v2', price: '1.50', op: 'u' },
      { id: 2, name: 'two v3', price: '1.50', op: 'u' },
    ];
    expect(await rowsOf('ITEMS_CURRENT')).toEqual(expected);
    // replay: a restarted writer loads and merges the chain's last file again
    await stage().recover(TYPED_TOPIC, 0);
    await stage().recover(TYPED_TOPIC, 1);
    const replayed = stage();
    await replayed.recover(TYPED_TOPIC, 0);
    await replayed.write(file(0, 7, 7), line(0, 7, 'c', 7, item(4, 'four')), keyed([v2]));
    expect(await rowsOf('ITEMS_CURRENT')).toEqual([...expected, { id: 4, name: 'four', price: '1.50', op: 'c' }]);
    // an update that did not carry a column (an unchanged TOASTed value) keeps the current value of that column
    const { name: _unknown, ...withoutName } = item(2, 'ignored', '3.00');
    await replayed.write(file(0, 10, 10), line(0, 10, 'u', 10, { ...withoutName, __unchanged_toast: ['name'] }), keyed([v2]));
    expect((await rowsOf('ITEMS_CURRENT')).find((r) => r.id === 2)).toEqual({ id: 2, name: 'two v3', price: '3.00', op: 'u' });
    // a truncate, then a row in the same file after it
    await replayed.write(file(0, 11, 12), line(0, 11, 't', 11, {}) + line(0, 12, 'c', 12, item(5, 'five')), keyed([v2]));
    expect(await rowsOf('ITEMS_CURRENT')).toEqual([{ id: 5, name: 'five', price: '1.50', op: 'c' }]);
    expect(await rowsOf('ITEMS')).toHaveLength(12); // every version of every file, once
  });
  it('a value its typed column cannot hold (TIME 24:00:00, a year past 9999, BC, ±infinity, numeric NaN) is NULL there and exact in __RAW; the file loads whole; a column named __op is ___OP, one named SKU is SKU', async () => {
    const odd = envelope([
      { name: 'opens', type: ['null', { type: 'long', logicalType: 'time-micros' }] },
      { name: 'w', type: ['null', 'double'] },
      { name: 'big', type: 'long' },
      { name: 'op_', type: ['null', 'string'], 'buyonline.pg.name': '__op' },
      { name: 'SKU', type: ['null', 'string'] },
    ]);
    const fine = { ...item(20, 'fine'), opens: '12:00:00.000000', w: 1.5, big: '@BIG@', ___op: 'a user value', SKU: 'S-1' };
    const late = { ...item(21, 'late'), price: 'NaN', updated_at: 'infinity', born: '21016-01-01', opens: '24:00:00.000000', w: 'NaN', big: '@BIG@', ___op: null };
    const early = { ...item(22, 'early'), price: '-Infinity', updated_at: '4713-01-01T00:00:00.000000Z BC', born: '-infinity', opens: '00:00:00.000000', w: '-Infinity', big: '@SMALL@', ___op: null };
    // an int64 past 2^53 is its bare digits in the line
    const text = (line(2, 0, 'c', 20, fine) + line(2, 1, 'c', 21, late) + line(2, 2, 'c', 22, early)).replaceAll('"@BIG@"', '9223372036854775807').replaceAll('"@SMALL@"', '-9223372036854775808');
    await stage().write(file(2, 0, 2), text, keyed([odd]));
    const rows = await client.execute(
      `SELECT "ID", TO_VARCHAR("OPENS") AS "OPENS", TO_VARCHAR("UPDATED_AT") AS "AT", TO_VARCHAR("BORN") AS "BORN", TO_VARCHAR("PRICE") AS "PRICE", TO_VARCHAR("BIG") AS "BIG", ` +
        `"W" IS NULL AS "NO_W", "__RAW" AS "RAW", "___OP" AS "USER_OP", "__OP" AS "OP", "SKU" FROM ${qualifiedName(typedOptions.database, typedSchema, 'ITEMS')} WHERE "ID" >= 20 ORDER BY "ID"`,
    );
    const raw = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : (v ?? null)) as unknown;
    expect(rows.map((r) => [Number(r.ID), r.OP, r.USER_OP, String(r.BIG), r.NO_W === true || r.NO_W === 'true' || r.NO_W === 1])).toEqual([
      [20, 'c', 'a user value', '9223372036854775807', false],
      [21, 'c', null, '9223372036854775807', false],
      [22, 'c', null, '-9223372036854775808', false],
    ]);
    expect(raw(rows[0]?.RAW)).toBeNull();
    // a column named in upper case is a column of that name
    expect(rows.map((r) => r.SKU)).toEqual(['S-1', null, null]);
    expect(rows[1]).toMatchObject({ OPENS: null, AT: null, BORN: null, PRICE: null });
    expect(raw(rows[1]?.RAW)).toEqual({ opens: '24:00:00.000000', updated_at: 'infinity', born: '21016-01-01', price: 'NaN' });
    expect(rows[2]).toMatchObject({ AT: null, BORN: null, PRICE: null });
    expect(raw(rows[2]?.RAW)).toEqual({ updated_at: '4713-01-01T00:00:00.000000Z BC', born: '-infinity', price: '-Infinity' });
    // reconcile reads the current table back with the exact values
    const current = (await readCurrentTableLines(client, { database: typedOptions.database, schema: typedSchema }, TYPED_TOPIC, typedOptions.topic2table)).filter((l) => Number(l.id) >= 20).sort((a, b) => Number(a.id) - Number(b.id));
    expect(current.map((l) => [l.opens, l.updated_at, l.born, l.price])).toEqual([
      ['12:00:00.000000', '2026-01-02T03:04:05.123456Z', '2020-02-29', '1.50'],
      ['24:00:00.000000', 'infinity', '21016-01-01', 'NaN'],
      ['00:00:00.000000', '4713-01-01T00:00:00.000000Z BC', '-infinity', '-Infinity'],
    ]);
  });
});

import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionError, FencedError, type Metrics } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partitionPath, stageFileName } from '../file-naming.ts';
import { LocalStage } from '../local-stage.ts';
import { DryRunClient, type Row, type SnowflakeClient } from './client.ts';
import { classifySnowflakeError } from './errors.ts';
import { SnowflakeStage, type SnowflakeStageOptions } from './snowflake-stage.ts';

const TOPIC = 'shop.public.products';
const options: SnowflakeStageOptions = {
  database: 'DB',
  schema: 'S',
  stageName: 'ST',
  pathPrefix: 'cdc',
  pathStyle: 'hive',
  targetTable: 'T',
  variantColumn: 'RECORD',
  load: true,
  createObjects: true,
  listWholeStage: false,
  // these tests are about delivery: one VARIANT table (typed tables: typed-tables.test.ts)
  tableFormat: 'variant',
};

/**
 * A small in-memory Snowflake: PUT copies the local file into the stage (name + .gz, and —
 * like Snowflake — skips a name that exists), LIST lists a folder, COPY loads each file of
 * a folder not in the load history, one row per line. `failNext` injects failures.
 */
class FakeSnowflake implements SnowflakeClient {
  readonly dryRun = false;
  readonly files = new Map<string, string>();
  readonly history = new Set<string>();
  readonly table: unknown[] = [];
  readonly log: string[] = [];
  failNext: { match: RegExp; error: Error }[] = [];
  /** How many files each COPY statement looked at. */
  readonly copiedFiles: number[] = [];
  readonly tables = new Set<string>();
  readonly claims: Record<string, unknown>[] = [];
  readonly typedTables = new Map<string, { name: string; type: string }[]>();
  readonly typedRows: { table: string | undefined; line: unknown }[] = [];

  async execute(sql: string): Promise<Row[]> {
    this.log.push(sql);
    const fail = this.failNext.findIndex((f) => f.match.test(sql));
    if (fail >= 0) {
      const [f] = this.failNext.splice(fail, 1);
      throw f?.error;
    }
    let m = /^PUT 'file:\/\/(\S+)' @"DB"\."S"\."ST"\/(\S+) AUTO_COMPRESS=TRUE OVERWRITE=(FALSE|TRUE)/.exec(sql);
    if (m) {
      const [, local = '', folder = '', overwrite] = m;
      const name = `${folder}${local.split('/').at(-1)}.gz`;
      if (this.files.has(name) && overwrite === 'FALSE') return [{ status: 'SKIPPED' }];
      this.files.set(name, await readFile(local, 'utf8'));
      return [{ status: 'UPLOADED' }];
    }
    m = /^LIST @"DB"\."S"\."ST"\/(\S+)$/.exec(sql);
    if (m) return [...this.files.keys()].filter((k) => k.startsWith(m?.[1] ?? '')).map((k) => ({ name: `st/${k}` }));
    m = /^COPY INTO "DB"\."S"\."BUYONLINE_CDC_CLAIMS" FROM @"DB"\."S"\."ST"\/(\S+) FILE_FORMAT/.exec(sql);
    if (m) {
      const name = m[1] ?? '';
      if (this.history.has(name)) return [{ file: name, status: 'LOAD_SKIPPED' }];
      this.history.add(name);
      this.claims.push(JSON.parse(this.files.get(name) ?? 'null') as Record<string, unknown>);
      return [{ file: name, status: 'LOADED' }];
    }
    m = /^SELECT "RECORD" FROM "DB"\."S"\."BUYONLINE_CDC_CLAIMS" WHERE "RECORD":topic::VARCHAR = '([^']+)' AND "RECORD":partition::NUMBER = (\d+)(?: AND "RECORD":next::NUMBER = (\d+) AND "RECORD":attempt::NUMBER = (\d+)|( AND "RECORD":file IS NOT NULL)? ORDER BY .* LIMIT 1)$/.exec(sql);
    if (m) {
      const [, topic, partition, next, attempt, withFile] = m;
      const mine = this.claims.filter((c) => c.topic === topic && c.partition === Number(partition) && (!withFile || c.file !== undefined));
      if (next !== undefined) return mine.filter((c) => c.next === Number(next) && c.attempt === Number(attempt)).map((c) => ({ RECORD: c }));
      const last = mine.sort((a, b) => Number(b.next) - Number(a.next) || Number(b.attempt) - Number(a.attempt))[0];
      return last ? [{ RECORD: JSON.stringify(last) }] : [];
    }
    m = /^SELECT 1 AS "N" FROM "DB"\."S"\."T" WHERE "RECORD":__kafka\.topic::VARCHAR = '([^']+)' AND "RECORD":__kafka\.partition::NUMBER = (\d+) AND "RECORD":__kafka\.offset::NUMBER BETWEEN (\d+) AND (\d+) LIMIT 1$/.exec(sql);
    if (m) {
      const [, , partition, from, to] = m.map(String);
      const held = this.table.some((r) => {
        const k = (r as { __kafka?: { partition?: number; offset?: number } }).__kafka;
        return (k?.partition ?? 0) === Number(partition) && Number(k?.offset) >= Number(from) && Number(k?.offset) <= Number(to);
      });
      return held ? [{ N: 1 }] : [];
    }
    m = /^COPY INTO "DB"\."S"\."T" FROM @"DB"\."S"\."ST"\/(\S+) FILE_FORMAT/.exec(sql);
    if (m) {
      const rows: Row[] = [];
      for (const [name, text] of this.files) {
        if (!name.startsWith(m[1] ?? '')) continue;
        if (this.history.has(name)) {
          rows.push({ file: name, status: 'LOAD_SKIPPED' });
          continue;
        }
        let parsed: unknown[];
        try {
          parsed = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);
        } catch (err) {
          // as the client reports Snowflake's ON_ERROR=ABORT_STATEMENT: nothing of the statement loads
          throw classifySnowflakeError({ code: '100069', sqlState: '22P02', message: `Error parsing JSON: ${(err as Error).message}, File '${name}'` }, 'COPY');
        }
        this.history.add(name);
        this.table.push(...parsed);
        rows.push({ file: name, status: 'LOADED' });
      }
      this.copiedFiles.push(rows.length);
      return rows;
    }
    // typed tables: columns, DDL, typed COPY (one row per line: the projection is not evaluated), MERGE/DELETE recorded
    m = /^SELECT COLUMN_NAME, DATA_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE FROM "DB"\.INFORMATION_SCHEMA\.COLUMNS WHERE TABLE_SCHEMA = 'S' AND TABLE_NAME = '(\w+)'/.exec(sql);
    if (m) return (this.typedTables.get(m[1] ?? '') ?? []).map((c) => ({ COLUMN_NAME: c.name, DATA_TYPE: c.type.replace(/\(.*$/, '').replace('VARCHAR', 'TEXT'), NUMERIC_PRECISION: /NUMBER\((\d+)/.exec(c.type)?.[1] ?? null, NUMERIC_SCALE: /NUMBER\(\d+,(\d+)/.exec(c.type)?.[1] ?? null }));
    m = /^CREATE TABLE IF NOT EXISTS "DB"\."S"\."(\w+)" \((.*)\)$/.exec(sql);
    if (m && !/^"RECORD" VARIANT$/.test(m[2] ?? '')) {
      this.typedTables.set(m[1] ?? '', (m[2] ?? '').split(/, (?=")/).map((d) => ({ name: /^"([^"]+)"/.exec(d)?.[1] ?? '', type: d.replace(/^"[^"]+" /, '') })));
      return [{ status: 'ok' }];
    }
    m = /^ALTER TABLE "DB"\."S"\."(\w+)" ADD COLUMN IF NOT EXISTS "(\w+)" (.+)$/.exec(sql);
    if (m) {
      this.typedTables.get(m[1] ?? '')?.push({ name: m[2] ?? '', type: m[3] ?? '' });
      return [{ status: 'ok' }];
    }
    m = /^COPY INTO "DB"\."S"\."(\w+)" \(.*\) FROM \(SELECT .* FROM @"DB"\."S"\."ST"\/(\S+)\) FILE_FORMAT/.exec(sql);
    if (m) {
      const name = `${m[1]}:${m[2]}`;
      if (this.history.has(name)) return [{ file: m[2], status: 'LOAD_SKIPPED' }];
      this.history.add(name);
      const text = this.files.get(m[2] ?? '') ?? '';
      this.typedRows.push(...text.split('\n').filter(Boolean).map((line) => ({ table: m?.[1], line: JSON.parse(line) as unknown })));
      return [{ file: m[2], status: 'LOADED' }];
    }
    m = /^SELECT 1 AS "N" FROM "DB"\."S"\."(\w+)" AS d WHERE .* AND d\."__KAFKA_PARTITION" = (\d+) AND d\."__KAFKA_OFFSET" BETWEEN (\d+) AND (\d+) LIMIT 1$/.exec(sql);
    if (m) {
      const [, table, partition, from, to] = m.map(String);
      const held = this.typedRows.some(({ table: t, line }) => {
        const k = (line as { __kafka?: { partition?: number; offset?: number } }).__kafka;
        return t === table && (k?.partition ?? 0) === Number(partition) && Number(k?.offset) >= Number(from) && Number(k?.offset) <= Number(to);
      });
      return held ? [{ N: 1 }] : [];
    }
    if (/^(MERGE INTO|DELETE FROM) /.test(sql)) return [{ 'number of rows': 0 }];
    m = /^SELECT COUNT\(\*\) AS "N" FROM "DB"\.INFORMATION_SCHEMA\.TABLES WHERE TABLE_SCHEMA = 'S' AND TABLE_NAME = '(\w+)'$/.exec(sql);
    if (m) return [{ N: this.tables.has(m[1] ?? '') ? 1 : 0 }];
    m = /^CREATE TABLE IF NOT EXISTS "DB"\."S"\."(\w+)"/.exec(sql);
    if (m) this.tables.add(m[1] ?? '');
    if (/^CREATE /.test(sql)) return [{ status: 'ok' }];
    throw new Error(`fake Snowflake does not know: ${sql}`);
  }
  async close(): Promise<void> {}
}

let root: string;
let fake: FakeSnowflake;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'snowflake-stage-'));
  fake = new FakeSnowflake();
  counted.clear();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const counted = new Map<string, number>();
const metrics: Metrics = { count: (name, value = 1) => counted.set(name, (counted.get(name) ?? 0) + value), gauge: () => undefined, observe: () => undefined };
const stageWith = (client: SnowflakeClient = fake, opts: Partial<SnowflakeStageOptions> = {}) =>
  new SnowflakeStage({ ...options, ...opts }, new LocalStage(root, { fenced: false }), root, client, noopContext().logger, metrics);
const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${JSON.stringify({ id: from + i, __kafka: { offset: from + i } })}\n`).join('');
const ref = (start: number, end: number, partition = 0) => ({ topic: TOPIC, partition, startOffset: start, endOffset: end });
/** The stage's files other than the publication chain's claims. */
const dataFiles = () => [...fake.files.keys()].filter((k) => !k.includes('/_claims/'));
const spooled = async (partition = 0) => readdir(join(root, partitionPath(TOPIC, partition))).catch(() => [] as string[]);

describe('SnowflakeStage', () => {
  it('creates its objects once, uploads, loads, and only then resolves; the spool copy goes', async () => {
    const stage = stageWith();
    const where = await stage.write(ref(0, 9), lines(0, 9));
    expect(where).toBe(`@"DB"."S"."ST"/cdc/${TOPIC}/partition=0/${stageFileName(ref(0, 9))}.gz`);
    await stage.write(ref(10, 14), lines(10, 14));
    expect(fake.table).toHaveLength(15);
    expect(dataFiles()).toEqual([`cdc/${TOPIC}/partition=0/${stageFileName(ref(0, 9))}.gz`, `cdc/${TOPIC}/partition=0/${stageFileName(ref(10, 14))}.gz`]);
    expect(fake.log.filter((s) => s.startsWith('CREATE'))).toHaveLength(5);
    expect(await spooled()).toEqual([]);
  });

  it('a restarted consumer does not re-create an existing table (fakesnow would lose its load history)', async () => {
    await stageWith().write(ref(0, 9), lines(0, 9));
    await stageWith().write(ref(10, 19), lines(10, 19));
    expect(fake.log.filter((s) => s.startsWith('CREATE TABLE'))).toHaveLength(2);
    expect(fake.table).toHaveLength(20);
  });

  it('recovers the next offset from the stage listing', async () => {
    await stageWith().write(ref(0, 9), lines(0, 9));
    await stageWith().write(ref(10, 19), lines(10, 19));
    expect(await stageWith().recover(TOPIC, 0)).toEqual({ nextOffset: 20, removedTemps: 0 });
    expect(await stageWith().recover(TOPIC, 1)).toEqual({ removedTemps: 0 });
  });

  it('a file spooled but not uploaded before a crash is uploaded and loaded on recovery', async () => {
    await stageWith().write(ref(0, 9), lines(0, 9));
    fake.failNext.push({ match: /^PUT/, error: new ConnectionError('network down') });
    await expect(stageWith().write(ref(10, 19), lines(10, 19))).rejects.toThrow(/network down/);
    expect(await spooled()).toEqual([stageFileName(ref(10, 19))]);
    expect(fake.table).toHaveLength(10);

    expect(await stageWith().recover(TOPIC, 0)).toEqual({ nextOffset: 20, removedTemps: 0 });
    expect(fake.table).toHaveLength(20);
    expect(await spooled()).toEqual([]);
  });

  it('a crash between PUT and COPY: recovery loads the file, once', async () => {
    fake.failNext.push({ match: /^COPY INTO "DB"\."S"\."T"/, error: new ConnectionError('gone') });
    await expect(stageWith().write(ref(0, 9), lines(0, 9))).rejects.toThrow(/gone/);
    expect(dataFiles().length).toBe(1);
    expect(fake.table).toHaveLength(0);
    expect(await stageWith().recover(TOPIC, 0)).toEqual({ nextOffset: 10, removedTemps: 0 });
    expect(await stageWith().recover(TOPIC, 0)).toEqual({ nextOffset: 10, removedTemps: 0 });
    expect(fake.table).toHaveLength(10);
    expect(await spooled()).toEqual([]);
  });

  /** The target table is missing (renamed away, or its role lost access): every COPY INTO it stops the writer. */
  const tableMissing = () => classifySnowflakeError({ code: '002003', sqlState: '42S02', message: "Table 'T' does not exist or not authorized." }, 'COPY INTO "DB"."S"."T"');
  const copyIntoTable = /^COPY INTO "DB"\."S"\."T" /;

  it('a claimed file whose COPY failed is loaded by whoever recovers the partition, even after recoveries that failed too', async () => {
    await stageWith().write(ref(0, 9), lines(0, 9));
    // the table goes away: the file is PUT and claimed, its COPY fails, the consumer exits
    fake.failNext.push({ match: copyIntoTable, error: tableMissing() });
    await expect(stageWith().write(ref(10, 19), lines(10, 19))).rejects.toThrow(/does not exist/);
    // two more starts while it is missing: each recovery reserves the chain's end, then fails at the COPY
    for (let start = 0; start < 2; start++) {
      fake.failNext.push({ match: copyIntoTable, error: tableMissing() });
      await expect(stageWith().recover(TOPIC, 0)).rejects.toThrow(/does not exist/);
    }
    // the table is back: the next owner loads the claimed file, once, and goes on after it
    const owner = stageWith();
    expect(await owner.recover(TOPIC, 0)).toEqual({ nextOffset: 20, removedTemps: 0 });
    await owner.write(ref(20, 29), lines(20, 29));
    expect(fake.table.map((r) => (r as { id: number }).id)).toEqual([...Array(30).keys()]);
    expect(await stageWith().recover(TOPIC, 0)).toEqual({ nextOffset: 30, removedTemps: 0 });
    expect(fake.table).toHaveLength(30);
  });

  it('a recovery does not load the last file again into a table that holds it already, though its load history is gone (a table restored from a clone)', async () => {
    await stageWith().write(ref(0, 9), lines(0, 9).replaceAll('"offset"', '"partition":0,"topic":"x","offset"'));
    // a clone has the rows but not the load history
    fake.history.clear();
    expect(await stageWith().recover(TOPIC, 0)).toEqual({ nextOffset: 10, removedTemps: 0 });
    expect(fake.table).toHaveLength(10);
  });

  // A kill -9 at each step of a delivery (the failing statement is where the process died), then restarts that
  // die at the COPY as well, then one that succeeds: every record once.
  for (const [step, match] of [
    ['the PUT of the file', /^PUT 'file:\/\/\S+\/partition=0\//],
    ['the PUT of its claim', /^PUT 'file:\/\/\S+\/\.claims\//],
    ['the COPY of its claim', /^COPY INTO "DB"\."S"\."BUYONLINE_CDC_CLAIMS"/],
    ['the read-back of its claim', /^SELECT "RECORD" .* AND "RECORD":next::NUMBER = 10 /],
    ['the COPY of the file', copyIntoTable],
  ] as const) {
    it(`killed before ${step}, then a failed recovery, then one that works: every record once`, async () => {
      await stageWith().write(ref(0, 9), lines(0, 9));
      fake.failNext.push({ match, error: new ConnectionError('killed') });
      await expect(stageWith().write(ref(10, 19), lines(10, 19))).rejects.toThrow(/killed/);
      fake.failNext.push({ match: copyIntoTable, error: tableMissing() });
      await stageWith().recover(TOPIC, 0).catch((err: unknown) => expect(String(err)).toMatch(/does not exist/));
      const owner = stageWith();
      const { nextOffset } = await owner.recover(TOPIC, 0);
      // what the chain holds is loaded; what it does not hold (the spooled file) was delivered by the recovery
      expect(nextOffset).toBe(20);
      await owner.write(ref(20, 29), lines(20, 29));
      expect(fake.table.map((r) => (r as { id: number }).id)).toEqual([...Array(30).keys()]);
      expect(await spooled()).toEqual([]);
    });
  }

  it('a spooled file that overlaps what another writer delivered is dropped, not uploaded', async () => {
    // this process spooled 10..19 and died; another consumer meanwhile delivered 10..14
    const dir = join(root, partitionPath(TOPIC, 0));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, stageFileName(ref(10, 19))), lines(10, 19));
    const other = await mkdtemp(join(tmpdir(), 'snowflake-stage-other-'));
    try {
      await new SnowflakeStage(options, new LocalStage(other, { fenced: false }), other, fake, noopContext().logger).write(ref(10, 14), lines(10, 14));
    } finally {
      await rm(other, { recursive: true, force: true });
    }
    expect(await stageWith().recover(TOPIC, 0)).toEqual({ nextOffset: 15, removedTemps: 0 });
    expect(fake.table.map((r) => (r as { id: number }).id)).toEqual([10, 11, 12, 13, 14]);
    expect(await spooled()).toEqual([]);
  });

  it('a zombie cannot upload a range the stage already covers', async () => {
    await stageWith().write(ref(0, 9), lines(0, 9));
    await expect(stageWith().write(ref(5, 12), lines(5, 12))).rejects.toBeInstanceOf(FencedError);
    expect(dataFiles().length).toBe(1);
    expect(fake.table).toHaveLength(10);
    expect(await spooled()).toEqual([]);
  });

  it('without loading, nothing is copied', async () => {
    await stageWith(fake, { load: false, createObjects: false }).write(ref(0, 9), lines(0, 9));
    expect(dataFiles().length).toBe(1);
    expect(fake.table).toHaveLength(0);
    expect(fake.log.some((s) => s.startsWith('COPY INTO "DB"."S"."T"') || s.startsWith('CREATE'))).toBe(false);
  });

  it('a dry run prints the SQL and keeps the files in the spool', async () => {
    const printed: string[] = [];
    const dry = new DryRunClient((sql) => printed.push(sql));
    const stage = stageWith(dry);
    await stage.write(ref(0, 9), lines(0, 9));
    expect(printed[0]).toBe('CREATE DATABASE IF NOT EXISTS "DB"');
    expect(printed.some((s) => s.startsWith(`PUT 'file://${root}/${TOPIC}/partition=0/`))).toBe(true);
    expect(printed.some((s) => s.startsWith('COPY INTO "DB"."S"."T"'))).toBe(true);
    expect(await spooled()).toEqual([stageFileName(ref(0, 9))]);
    expect(await stageWith(dry).recover(TOPIC, 0)).toEqual({ nextOffset: 10, removedTemps: 0 });
  });

  it('a file whose COPY fails on its data goes to the error location with its reason, is counted, and the partition goes on', async () => {
    const stage = stageWith();
    await stage.write(ref(0, 9), lines(0, 9));
    const bad = `${lines(10, 14)}{"id": 15, "__kafka":\n`;
    await stage.write(ref(10, 15), bad);
    await stage.write(ref(16, 19), lines(16, 19));
    expect(fake.table.map((r) => (r as { id: number }).id)).toEqual([...Array(10).keys(), 16, 17, 18, 19]);

    const errors = `cdc/_errors/${TOPIC}/partition=0/`;
    expect(fake.files.get(`${errors}${stageFileName(ref(10, 15))}.gz`)).toBe(bad);
    const reason = JSON.parse(fake.files.get(`${errors}${stageFileName(ref(10, 15))}.error.json.gz`) ?? '{}') as Record<string, unknown>;
    expect(reason).toMatchObject({ topic: TOPIC, partition: 0, startOffset: 10, endOffset: 15 });
    expect(String(reason.reason)).toMatch(/Error parsing JSON/);
    expect(counted.get('snowflake_copy_errors_total')).toBe(1);
    expect(await spooled()).toEqual([]);
    // A restart goes on after it, and does not load it again
    expect(await stageWith().recover(TOPIC, 0)).toEqual({ nextOffset: 20, removedTemps: 0 });
    expect(fake.table).toHaveLength(14);
  });

  it('the load of a file does not look at the files already in the stage', async () => {
    const stage = stageWith();
    for (let i = 0; i < 30; i++) await stage.write(ref(i * 10, i * 10 + 9), lines(i * 10, i * 10 + 9));
    expect(fake.table).toHaveLength(300);
    expect(fake.copiedFiles).toEqual(Array(30).fill(1));
  });

  it('a consumer that takes a partition over fences the previous writer at its next file', async () => {
    const zombie = stageWith();
    await zombie.recover(TOPIC, 0);
    await zombie.write(ref(0, 9), lines(0, 9));
    const owner = stageWith();
    expect(await owner.recover(TOPIC, 0)).toEqual({ nextOffset: 10, removedTemps: 0 });
    await expect(zombie.write(ref(10, 19), lines(10, 19))).rejects.toBeInstanceOf(FencedError);
    await owner.write(ref(10, 14), lines(10, 14));
    expect(fake.table.map((r) => (r as { id: number }).id)).toEqual([...Array(15).keys()]);
  });

  /** Each trial: a zombie that delivered [0,99] goes on while one or two consumers take over, all at once. */
  it('never lets two writers deliver overlapping ranges of one partition (200 trials)', async () => {
    const ranges = [ref(100, 150), ref(100, 199), ref(120, 199), ref(100, 100), ref(151, 199)];
    let raced = 0;
    for (let trial = 0; trial < 200; trial++) {
      fake = new FakeSnowflake();
      let seed = trial + 1;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      const spools: string[] = [];
      const writer = async () => {
        const dir = await mkdtemp(join(tmpdir(), 'snowflake-race-'));
        spools.push(dir);
        return new SnowflakeStage(options, new LocalStage(dir, { fenced: false }), dir, fake, noopContext().logger);
      };
      try {
        const zombie = await writer();
        await zombie.recover(TOPIC, 0);
        await zombie.write(ref(0, 99), lines(0, 99));
        const attempt = async (stage: SnowflakeStage, range: ReturnType<typeof ref>, recovers: boolean) => {
          for (let n = rand(6); n > 0; n--) await new Promise((r) => setImmediate(r));
          if (recovers && ((await stage.recover(TOPIC, 0)).nextOffset ?? 0) > range.startOffset) return 'behind';
          try {
            await stage.write(range, lines(range.startOffset, range.endOffset));
            return 'delivered';
          } catch (err) {
            if (err instanceof FencedError) return 'fenced';
            throw err;
          }
        };
        const pick = () => ranges[rand(ranges.length)] ?? ref(100, 199);
        const racers = [attempt(zombie, pick(), false), attempt(await writer(), pick(), true)];
        if (rand(2) === 1) racers.push(attempt(await writer(), pick(), true));
        const outcomes = await Promise.all(racers);
        if (outcomes.filter((o) => o !== 'behind').length >= 2) raced++;
        const ids = fake.table.map((r) => (r as { id: number }).id);
        expect(ids.length, `trial ${trial}: ${outcomes.join(', ')}`).toBe(new Set(ids).size);
        expect(fake.table.length, `trial ${trial}`).toBeGreaterThanOrEqual(100);
      } finally {
        for (const dir of spools) await rm(dir, { recursive: true, force: true });
      }
    }
    expect(raced).toBeGreaterThan(150);
  }, 120_000);
});

describe('SnowflakeStage with typed tables', () => {
  const row = (fields: unknown[]) => ({
    type: 'record',
    name: 'Value',
    fields: [
      { name: 'op', type: { type: 'enum', name: 'Op', symbols: ['c', 'u', 'd', 'r', 't'] } },
      { name: 'after', type: ['null', { type: 'record', name: 'Row', fields }] },
    ],
  });
  const v1 = row([{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }]);
  const v2 = row([{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }, { name: 'colour', type: ['null', 'string'] }]);
  const typed = (opts: Partial<SnowflakeStageOptions> = {}) => stageWith(fake, { tableFormat: 'typed', topic2table: { [TOPIC]: 'PRODUCTS' }, merge: true, ...opts });
  const statements = (re: RegExp) => fake.log.filter((s) => re.test(s));

  it('creates the topic\'s table and its _CURRENT from the first schema, COPYs with column mapping, then MERGEs', async () => {
    await typed().write(ref(0, 9), lines(0, 9), { valueSchemas: [v1], keyFields: ['id'] });
    expect(fake.typedTables.get('PRODUCTS')?.map((c) => c.name).slice(0, 3)).toEqual(['ID', 'NAME', '__OP']);
    expect(fake.typedTables.get('PRODUCTS_CURRENT')?.map((c) => c.name)).toEqual(fake.typedTables.get('PRODUCTS')?.map((c) => c.name));
    expect(fake.typedRows).toHaveLength(10);
    // no VARIANT table for the typed format
    expect(statements(/^CREATE TABLE/).map((s) => /"(\w+)" \(/.exec(s)?.[1])).toEqual(['BUYONLINE_CDC_CLAIMS', 'PRODUCTS', 'PRODUCTS_CURRENT']);
    const order = fake.log.map((s) => s.split(' ').slice(0, 2).join(' '));
    expect(order.indexOf('COPY INTO')).toBeLessThan(order.lastIndexOf('DELETE FROM'));
    expect(order.lastIndexOf('DELETE FROM')).toBeLessThan(order.lastIndexOf('MERGE INTO'));
    expect(statements(/^MERGE INTO "DB"\."S"\."PRODUCTS_CURRENT"/)[0]).toContain('BETWEEN 0 AND 9');
  });

  it('adds a column the schema gained before the file that carries it is spooled and uploaded; a known schema costs no DDL', async () => {
    const stage = typed();
    await stage.write(ref(0, 9), lines(0, 9), { valueSchemas: [v1], keyFields: ['id'] });
    const ddl = statements(/^(CREATE TABLE|ALTER TABLE|SELECT COLUMN_NAME)/).length;
    await stage.write(ref(10, 19), lines(10, 19), { valueSchemas: [v1], keyFields: ['id'] });
    expect(statements(/^(CREATE TABLE|ALTER TABLE|SELECT COLUMN_NAME)/)).toHaveLength(ddl);
    fake.log.length = 0;
    await stage.write(ref(20, 29), lines(20, 29), { valueSchemas: [v1, v2], keyFields: ['id'] });
    const alter = fake.log.findIndex((s) => s.startsWith('ALTER TABLE "DB"."S"."PRODUCTS" ADD COLUMN IF NOT EXISTS "COLOUR" VARCHAR'));
    expect(alter).toBe(0);
    expect(fake.log.findIndex((s) => s.startsWith('ALTER TABLE "DB"."S"."PRODUCTS_CURRENT" ADD COLUMN IF NOT EXISTS "COLOUR"'))).toBe(1);
    expect(fake.log.findIndex((s) => s.startsWith('PUT'))).toBeGreaterThan(alter);
    const copy = fake.log.find((s) => s.startsWith('COPY INTO "DB"."S"."PRODUCTS"'));
    expect(copy).toContain('"COLOUR"');
    expect(copy).toContain('COALESCE($1:colour::VARCHAR, $1:"COLOUR"::VARCHAR)');
  });

  it('a restarted consumer loads the chain\'s last file with the columns the table lists, and merges it with the key its claim recorded', async () => {
    await typed().write(ref(0, 9), lines(0, 9), { valueSchemas: [v1], keyFields: ['id'] });
    // the file after it is claimed, then the writer dies before its COPY
    fake.failNext.push({ match: /^COPY INTO "DB"\."S"\."PRODUCTS" /, error: new ConnectionError('network down') });
    await expect(typed().write(ref(10, 19), lines(10, 19), { valueSchemas: [v1], keyFields: ['id'] })).rejects.toThrow(/network down/);
    expect(fake.typedRows).toHaveLength(10);
    fake.log.length = 0;
    const restarted = typed();
    expect(await restarted.recover(TOPIC, 0)).toEqual({ nextOffset: 20, removedTemps: 0 });
    expect(fake.typedRows).toHaveLength(20);
    expect(statements(/^COPY INTO "DB"\."S"\."PRODUCTS" \("ID", "NAME", "__OP"/)).toHaveLength(1);
    // no record yet said what the key is: the file's claim did
    expect(statements(/^MERGE/)[0]).toContain('BETWEEN 10 AND 19');
  });

  it('a file claimed before any record said the key: its merge waits for the next file, from the offset the claims carry', async () => {
    fake.failNext.push({ match: /^COPY INTO "DB"\."S"\."PRODUCTS" /, error: new ConnectionError('killed') });
    await expect(typed().write(ref(0, 9), lines(0, 9), { valueSchemas: [v1] })).rejects.toThrow(/killed/);
    const restarted = typed();
    await restarted.recover(TOPIC, 0);
    expect(statements(/^MERGE/)).toHaveLength(0);
    await restarted.write(ref(10, 19), lines(10, 19), { valueSchemas: [v1], keyFields: ['id'] });
    expect(statements(/^MERGE/)[0]).toContain('BETWEEN 0 AND 19');
  });

  /** The offset ranges the MERGEs into PRODUCTS_CURRENT covered. */
  const mergedRanges = () => statements(/^MERGE INTO "DB"\."S"\."PRODUCTS_CURRENT"/).map((s) => /BETWEEN (\d+) AND (\d+)/.exec(s)?.slice(1).map(Number));
  const merged = (offset: number) => mergedRanges().some((r) => r !== undefined && r[0] !== undefined && r[1] !== undefined && r[0] <= offset && offset <= r[1]);

  it('a MERGE deferred after a recovery survives a restart: the claims carry the key and the first offset not merged', async () => {
    await typed().write(ref(0, 9), lines(0, 9), { valueSchemas: [v1], keyFields: ['id'] });
    // the next file is claimed, then its writer dies before the COPY
    fake.failNext.push({ match: /^COPY INTO "DB"\."S"\."PRODUCTS" /, error: new ConnectionError('killed') });
    await expect(typed().write(ref(10, 19), lines(10, 19), { valueSchemas: [v1], keyFields: ['id'] })).rejects.toThrow(/killed/);
    // a new owner recovers it, and writes the file after it; killed again after that file's claim, before its COPY
    const second = typed();
    await second.recover(TOPIC, 0);
    fake.failNext.push({ match: /^COPY INTO "DB"\."S"\."PRODUCTS" /, error: new ConnectionError('killed') });
    await expect(second.write(ref(20, 29), lines(20, 29), { valueSchemas: [v1], keyFields: ['id'] })).rejects.toThrow(/killed/);
    // the third owner: every offset is merged once it has recovered
    const third = typed();
    await third.recover(TOPIC, 0);
    await third.write(ref(30, 39), lines(30, 39), { valueSchemas: [v1], keyFields: ['id'] });
    expect(fake.typedRows).toHaveLength(40);
    expect([...Array(40).keys()].filter((offset) => !merged(offset))).toEqual([]);
  });

  it('the MERGE is keyed by the key\'s columns as the table names them (original names, the __ rule)', async () => {
    const sanitized = row([{ name: 'p_k', type: 'long', 'buyonline.pg.name': 'p:k' }, { name: 'op_', type: 'long', 'buyonline.pg.name': '__op' }, { name: 'name', type: 'string' }]);
    await typed().write(ref(0, 9), lines(0, 9), { valueSchemas: [sanitized], keyFields: ['p_k', 'op_'] });
    expect(fake.typedTables.get('PRODUCTS')?.map((c) => c.name).slice(0, 3)).toEqual(['P:K', '___OP', 'NAME']);
    expect(statements(/^MERGE/)[0]).toContain('ON t."P:K" = s."P:K" AND t."___OP" = s."___OP"');
  });

  it('a stage the VARIANT format filled switches to typed tables: the chain\'s last file is not loaded into a table that does not exist, and the next file creates it', async () => {
    await stageWith(fake, { tableFormat: 'variant' }).write(ref(0, 9), lines(0, 9));
    const switched = typed();
    expect(await switched.recover(TOPIC, 0)).toEqual({ nextOffset: 10, removedTemps: 0 });
    expect(fake.typedTables.size).toBe(0);
    await switched.write(ref(10, 19), lines(10, 19), { valueSchemas: [v1], keyFields: ['id'] });
    expect(fake.typedRows).toHaveLength(10);
    expect(fake.table).toHaveLength(10);
  });

  it('the variant format stays reachable: one VARIANT table, no typed DDL', async () => {
    await typed({ tableFormat: 'variant', merge: false }).write(ref(0, 9), lines(0, 9), { valueSchemas: [v1], keyFields: ['id'] });
    expect(fake.table).toHaveLength(10);
    expect(fake.typedTables.size).toBe(0);
  });
});

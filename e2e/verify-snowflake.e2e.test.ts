import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableNameForTopic } from '@buyonline/sink-stage/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AppProcess } from './support/app-process.ts';
import { FAKESNOW_URL, fakesnowClient, fakesnowUp } from './support/fakesnow.ts';
import { repoRoot } from './support/native-stack.ts';
import { waitFor } from './support/scenario.ts';
import { runVerify, steadyItemsLoad } from './support/verify-run.ts';

interface TableReport {
  status: 'equal' | 'mismatch' | 'skipped';
  rows: { source: number; stage: number };
  counts: { lost: number; extra: number; changed: number; duplicated: number };
  mismatched: { lost: string[]; changed: { id: string; fields: string[] }[]; duplicated: string[] }[];
  stage: { lines: number; afterPoint: number };
}
interface VerifyReport {
  equal: boolean;
  first: { tables: TableReport[] };
}

/**
 * `consumer verify` against Snowflake (fakesnow, tooling/fakesnow) while changes flow: the
 * consumer loads the topic (one VARIANT table, or a typed change table merged into `_CURRENT`),
 * and verify reads every loaded version with its `__source` LSN/txid, so it compares at the
 * point. Faults are injected into the table COPY INTO filled (a row deleted, one altered, one
 * doubled) on keys the load never touches; verify must name them.
 */
describe.each(['variant', 'typed'] as const)('verify against Snowflake (%s tables on fakesnow) while the pipeline runs', (format) => {
  const endpoints = inject('endpoints');
  const id = `vs${format[0]}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const schema = `e2e_${id}`;
  const slot = `e2e_${id}`;
  const prefix = `e2e.${id}`;
  const topic = `${prefix}.${schema}.items`;
  const database = `E2E_${id.toUpperCase()}`;
  const table = format === 'variant' ? 'ITEM_CHANGES' : tableNameForTopic(topic);
  const spoolDir = join(tmpdir(), 'buyonline-e2e', id, 'spool');
  const logDir = join(repoRoot, 'e2e', '.logs', id);
  const pipelineFile = join(tmpdir(), 'buyonline-e2e', id, 'pipeline.yaml');
  const sql = postgres(endpoints.pgUrl, { max: 4, onnotice: () => undefined });
  const client = fakesnowClient(database, 'CDC');
  const q = `"${database}"."CDC"."${table}"`;
  const apps: AppProcess[] = [];
  const load = new AbortController();
  let writes: Promise<number> | undefined;
  const ROWS = 1000;

  const env = () => ({ PG_URL: endpoints.pgUrl, KAFKA_BROKERS: endpoints.brokers, SCHEMA_REGISTRY_URL: endpoints.registryUrl, PIPELINE_FILE: pipelineFile });

  const verify = () => runVerify<VerifyReport>(env(), logDir);


  /** Rows the consumer loaded into the change table (every version). */
  const loadedRows = async () => Number((await client.execute(`SELECT COUNT(*) AS "N" FROM ${q}`))[0]?.N ?? 0);
  const keyIs = (key: number) => (format === 'variant' ? `"RECORD":id::NUMBER = ${key}` : `"ID" = ${key}`);

  beforeAll(async () => {
    fakesnowUp();
    mkdirSync(spoolDir, { recursive: true });
    await sql.unsafe(`create schema "${schema}"`);
    await sql.unsafe(`create table "${schema}".items (id bigserial primary key, name text not null, qty int not null)`);
    await sql.unsafe(`insert into "${schema}".items (name, qty) select 'item ' || g, g from generate_series(1, ${ROWS}) g`);
    const tableFormat =
      format === 'variant' ? `  tableFormat: variant\n  targetTable: ${table}\n  variantColumn: RECORD\n` : '  tableFormat: typed\n  typedCopy: via-variant\n  merge: true\n';
    writeFileSync(
      pipelineFile,
      `name: e2e-${id}
source:
  connector: postgres
  url: \${PG_URL}
  tables: [${schema}.items]
  topicPrefix: ${prefix}
  slot: ${slot}
  publication: ${slot}
  batchSize: 500
  pollIntervalMs: 200
  heartbeatIntervalMs: 2000
sink:
  connector: snowflake-stage
  dir: ${spoolDir}
  accessUrl: ${FAKESNOW_URL}
  account: fakesnow
  username: fake
  password: snow
  database: ${database}
  schema: CDC
  stageName: CDC_STAGE
  pathPrefix: cdc
  pathStyle: plain
  listWholeStage: true
  load: true
  createObjects: true
${tableFormat}  flushRecords: 700
  rotateIntervalMs: 1000
producer:
  OFFSETS_TOPIC: e2e-${id}-offsets
  SOURCE_DLQ_TOPIC: e2e-${id}-source-dlq
  TOPIC_PARTITIONS: 3
consumer:
  TOPIC_REGEX: '^e2e\\.${id}\\..*'
  CONSUMER_GROUP: e2e-${id}
  SINK_DLQ_TOPIC: e2e-${id}-sink-dlq
  COMMIT_INTERVAL_MS: 1000
`,
    );
    for (const [kind, args] of [
      ['producer', ['run']],
      ['consumer', ['stream']],
    ] as const) {
      apps.push(new AppProcess(kind, kind, env(), [...args], logDir).start());
    }
    await waitFor('the snapshot loaded into Snowflake', async () => ((await loadedRows().catch(() => 0)) >= ROWS ? true : undefined), 180_000, 1_000);
    writes = steadyItemsLoad(sql, schema, ROWS, 50, load.signal);
  });

  afterAll(async () => {
    load.abort();
    await writes?.catch(() => undefined);
    for (const a of apps) if (a.running) await a.kill9();
    await client.execute(`DROP DATABASE IF EXISTS "${database}"`).catch(() => undefined);
    await client.close();
    await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${slot} and not active`.catch(() => undefined);
    await sql.unsafe(`drop publication if exists "${slot}"`).catch(() => undefined);
    await sql.unsafe(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await sql.end({ timeout: 5 });
    rmSync(join(spoolDir, '..'), { recursive: true, force: true });
  });

  it('reports EQUAL under a steady write load (exit 0), reading every loaded version', async () => {
    const { code, report, output } = await verify();
    expect(code, output).toBe(0);
    const [t] = report?.first.tables ?? [];
    expect(t?.status).toBe('equal');
    expect(t?.rows.source).toBeGreaterThanOrEqual(ROWS - 100);
    expect(t?.rows.stage).toBe(t?.rows.source);
    // every version was read (the snapshot and the changes), not only each key's latest
    expect(t?.stage.lines).toBeGreaterThan(t?.rows.stage ?? 0);
  });

  it('names a row deleted from, a row altered in and a row doubled in the change table (exit 3)', async () => {
    await client.execute(`DELETE FROM ${q} WHERE ${keyIs(10)}`);
    await client.execute(`INSERT INTO ${q} SELECT * FROM ${q} WHERE ${keyIs(30)}`);
    if (format === 'variant') {
      const [row] = await client.execute(`SELECT "RECORD" FROM ${q} WHERE ${keyIs(20)}`);
      const line = (typeof row?.RECORD === 'string' ? JSON.parse(row.RECORD) : row?.RECORD) as Record<string, unknown>;
      // a Snowflake string literal: backslashes and quotes escaped
      const altered = JSON.stringify({ ...line, name: 'tampered' }).replaceAll('\\', '\\\\').replaceAll("'", "''");
      await client.execute(`UPDATE ${q} SET "RECORD" = PARSE_JSON('${altered}') WHERE ${keyIs(20)}`);
    } else {
      await client.execute(`UPDATE ${q} SET "NAME" = 'tampered' WHERE ${keyIs(20)}`);
    }
    const { code, report, output } = await verify();
    expect(code, output).toBe(3);
    const t = report?.first.tables[0];
    expect(t?.status).toBe('mismatch');
    expect(t?.counts).toEqual({ lost: 1, extra: 0, changed: 1, duplicated: 1 });
    const ranges = t?.mismatched ?? [];
    expect(ranges.flatMap((r) => r.lost)).toEqual(['10']);
    expect(ranges.flatMap((r) => r.changed)).toEqual([{ id: '20', fields: ['name'] }]);
    expect(ranges.flatMap((r) => r.duplicated)).toEqual(['30']);
  });
});

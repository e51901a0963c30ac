import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AppProcess } from './support/app-process.ts';
import { repoRoot } from './support/native-stack.ts';
import { waitFor } from './support/scenario.ts';
import { readStage } from './support/stage-files.ts';

/**
 * One pipeline file drives both apps: two tables over one slot (one with a composite key), and
 * three transforms in the producer — mask (hash) and drop a column of `customers`, filter test
 * lines out of `order_lines`. Every committed change (a trigger keeps their history) must reach
 * the stage exactly once, transformed, and nothing the filter removed may.
 */
describe('a pipeline file with two tables and three transforms', () => {
  const endpoints = inject('endpoints');
  const id = `pf_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const schema = `e2e_${id}`;
  const prefix = `e2e.${id}`;
  const slot = `e2e_${id}`;
  const stageDir = join(tmpdir(), 'buyonline-e2e', id, 'stage');
  const logDir = join(repoRoot, 'e2e', '.logs', id);
  const pipelineFile = join(tmpdir(), 'buyonline-e2e', id, 'pipeline.yaml');
  const sql = postgres(endpoints.pgUrl, { max: 4, onnotice: () => undefined });
  const apps: AppProcess[] = [];
  const topic = (table: string) => `${prefix}.${schema}.${table}`;

  function app(kind: 'producer' | 'consumer', name: string, args: string[]): AppProcess {
    const env = {
      PG_URL: endpoints.pgUrl,
      KAFKA_BROKERS: endpoints.brokers,
      SCHEMA_REGISTRY_URL: endpoints.registryUrl,
      PIPELINE_FILE: pipelineFile,
    };
    const process = new AppProcess(kind, name, env, args, logDir);
    apps.push(process);
    return process;
  }

  beforeAll(async () => {
    mkdirSync(stageDir, { recursive: true });
    await sql.unsafe(`create schema "${schema}"`);
    await sql.unsafe(`create table "${schema}".customers (id bigint primary key, name text not null, email text, tier text, note text)`);
    await sql.unsafe(`create table "${schema}".order_lines (sku text not null, qty int not null, line int, order_id bigint, primary key (order_id, line))`);
    await sql.unsafe(`create table "${schema}".history (seq bigserial primary key, tbl text, op text, old jsonb, new jsonb)`);
    await sql.unsafe(`
      create function "${schema}".keep_history() returns trigger language plpgsql as $$
      begin
        insert into "${schema}".history (tbl, op, old, new)
        values (TG_TABLE_NAME, TG_OP, case when TG_OP <> 'INSERT' then to_jsonb(OLD) end, case when TG_OP <> 'DELETE' then to_jsonb(NEW) end);
        return null;
      end $$`);
    for (const table of ['customers', 'order_lines']) {
      await sql.unsafe(`alter table "${schema}".${table} replica identity full`);
      await sql.unsafe(`create trigger history after insert or update or delete on "${schema}".${table} for each row execute function "${schema}".keep_history()`);
    }
    await sql.unsafe(`insert into "${schema}".customers select g, 'customer ' || g, 'c' || g || '@example.com', 'basic', 'private note ' || g from generate_series(1, 300) g`);
    await sql.unsafe(`insert into "${schema}".order_lines select case when o % 10 = 0 then 'TEST' else 'SKU-' || o end, l, l, o from generate_series(1, 200) o, generate_series(1, 3) l`);
    writeFileSync(
      pipelineFile,
      `# issue 10's e2e pipeline
name: e2e-${id}
source:
  connector: postgres
  url: \${PG_URL}
  tables: [${schema}.customers, ${schema}.order_lines]
  topicPrefix: ${prefix}
  slot: ${slot}
  publication: ${slot}
  snapshotChunkSize: 100
  snapshotParallelism: 2
  batchSize: 500
  pollIntervalMs: 200
  heartbeatIntervalMs: 2000
transforms:
  - transform: mask
    tables: [${schema}.customers]
    columns: [email]
    method: hash
  - transform: columns
    tables: [${schema}.customers]
    drop: [note]
  - transform: filter
    tables: [${schema}.order_lines]
    action: drop
    ops: [r, c, u]
    where: { column: sku, operator: eq, value: TEST }
sink:
  connector: local-stage
  dir: ${stageDir}
  flushRecords: 700
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
  });

  afterAll(async () => {
    for (const a of apps) if (a.running) await a.kill9();
    await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${slot} and not active`.catch(() => undefined);
    await sql.unsafe(`drop publication if exists "${slot}"`).catch(() => undefined);
    await sql.unsafe(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await sql.end({ timeout: 5 });
    if (!process.env.E2E_KEEP_STAGE) rmSync(join(stageDir, '..'), { recursive: true, force: true });
  });

  it('lands every committed change of both tables exactly once, masked, without the dropped column and without the filtered lines', async () => {
    const producer = app('producer', 'producer', ['run']).start();
    const consumer = app('consumer', 'consumer', ['stream']).start();

    // Changes while the snapshot and the stream run: updates, deletes, inserts, a key change, test lines.
    await waitFor('the producer streaming', async () => ((await producer.health())?.code === 200 ? true : undefined), 120_000);
    for (let i = 1; i <= 100; i++) {
      await sql.unsafe(`update "${schema}".customers set email = 'new' || id || '@example.org', tier = 'gold' where id = ${i}`);
      if (i % 10 === 0) await sql.unsafe(`delete from "${schema}".customers where id = ${200 + i}`);
      if (i % 5 === 0) await sql.unsafe(`insert into "${schema}".customers values (${1000 + i}, 'late ${i}', 'late${i}@example.com', null, 'n')`);
      await sql.unsafe(`update "${schema}".order_lines set qty = qty + 10 where order_id = ${i} and line = 1`);
      if (i % 20 === 0) await sql.unsafe(`insert into "${schema}".order_lines values ('TEST', 1, 9, ${i})`);
    }
    await sql.unsafe(`update "${schema}".order_lines set line = 7 where order_id = 3 and line = 2`);
    await sql.unsafe(`delete from "${schema}".order_lines where order_id = 4`);
    await sql.unsafe(`delete from "${schema}".order_lines where sku = 'TEST'`);
    await sql.unsafe(`insert into "${schema}".customers values (9999, 'last', 'last@example.com', null, null)`);

    // What must arrive: each committed version, per key in commit order, transformed as the file says.
    const history = await sql.unsafe<{ tbl: string; op: string; old: Row | null; new: Row | null }[]>(`select tbl, op, old, new from "${schema}".history order by seq`);
    const expected = new Map<string, string[]>();
    const add = (tbl: string, op: string, row: Row) => {
      if (tbl === 'order_lines' && row.sku === 'TEST' && op !== 'd') return; // filtered
      const key = keyOf(tbl, row);
      expected.set(key, [...(expected.get(key) ?? []), version(tbl, op, row)]);
    };
    for (const h of history) {
      const loaded = h.op === 'INSERT' && initialRow(h.tbl, h.new as Row);
      if (h.op === 'INSERT') add(h.tbl, loaded ? 'r' : 'c', h.new as Row);
      else if (h.op === 'DELETE') add(h.tbl, 'd', h.old as Row);
      else if (keyOf(h.tbl, h.old as Row) !== keyOf(h.tbl, h.new as Row)) {
        add(h.tbl, 'd', h.old as Row);
        add(h.tbl, 'c', h.new as Row);
      } else add(h.tbl, 'u', h.new as Row);
    }
    const total = [...expected.values()].reduce((n, v) => n + v.length, 0);
    const stageLines = () => [...readStage(stageDir, topic('customers')).lines, ...readStage(stageDir, topic('order_lines')).lines];
    await waitFor(`${total} changes in the stage`, () => (stageLines().length >= total ? true : undefined), 240_000);
    // Anything more would be a duplicate: give it a moment to show up.
    await new Promise((r) => setTimeout(r, 3000));

    const landed = new Map<string, string[]>();
    const lines = stageLines().sort((a, b) => a.__kafka.topic.localeCompare(b.__kafka.topic) || a.__kafka.partition - b.__kafka.partition || a.__kafka.offset - b.__kafka.offset);
    for (const line of lines) {
      const tbl = line.__kafka.topic.endsWith('.customers') ? 'customers' : 'order_lines';
      const row = line as unknown as Row;
      const key = keyOf(tbl, row);
      landed.set(key, [...(landed.get(key) ?? []), stageVersion(tbl, line.__op, row)]);
    }
    expect(lines).toHaveLength(total);
    expect(Object.fromEntries(landed)).toEqual(Object.fromEntries(expected));
    // The snapshot read the loaded rows as `r` (not one missing), and the producer's transforms did their work.
    expect(lines.filter((l) => l.__op === 'r')).toHaveLength(300 + 200 * 3 - 20 * 3);
    expect(lines.some((l) => 'note' in l)).toBe(false);
    expect(lines.filter((l) => (l as unknown as Row).sku === 'TEST').every((l) => l.__op === 'd')).toBe(true);

    // reconcile, from the same file: every captured table. order_lines is equal (the filtered test
    // lines were deleted at the end); customers differs where the file masks, and the dropped
    // column, which no stage line carries, is not compared but counted.
    const reconcile = await reconcileFromFile();
    const byTable = Object.fromEntries(reconcile.tables.map((t) => [t.name, t]));
    expect(byTable.order_lines?.status, JSON.stringify(byTable.order_lines)).toBe('equal');
    expect(byTable.customers?.status).toBe('mismatch');
    const differing = new Set((byTable.customers?.differing ?? []).flatMap((d) => d.fields));
    expect([...differing]).toEqual(['email']);
    expect(byTable.customers?.notCarried).toEqual({ note: byTable.customers?.counts.differing });
    expect(reconcile.code).toBe(3);

    expect(await producer.terminate()).toBe(0);
    expect(await consumer.terminate()).toBe(0);
  });

  /** `consumer reconcile --json` with only the pipeline file to say what to compare. */
  function reconcileFromFile(): Promise<{ code: number | null; tables: ReconciledTable[] }> {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PG_URL: endpoints.pgUrl, KAFKA_BROKERS: endpoints.brokers, SCHEMA_REGISTRY_URL: endpoints.registryUrl, PIPELINE_FILE: pipelineFile };
    return new Promise((resolve) => {
      execFile(process.execPath, [join(repoRoot, 'apps', 'consumer', 'dist', 'main.js'), 'reconcile', '--json'], { env, timeout: 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        writeFileSync(join(logDir, 'reconcile.log'), stdout + stderr);
        const line = stdout.split('\n').find((l) => l.startsWith('{"reconcile"'));
        const tables = line ? (JSON.parse(line) as { reconcile: { tables: ReconciledTable[] } }).reconcile.tables : [];
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, tables });
      });
    });
  }

  /** Rows loaded before the producer first started: snapshot reads. */
  function initialRow(tbl: string, row: Row): boolean {
    return tbl === 'customers' ? Number(row.id) <= 300 : Number(row.line) <= 3 && Number(row.order_id) <= 200 && row.qty === row.line;
  }
});

type Row = Record<string, unknown>;

interface ReconciledTable {
  /** The table's name without its schema. */
  name: string;
  status: 'equal' | 'mismatch' | 'skipped';
  differing?: { fields: string[] }[];
  counts: { differing: number };
  notCarried?: Record<string, number>;
}

function keyOf(tbl: string, row: Row): string {
  return tbl === 'customers' ? `customers/${row.id}` : `order_lines/${row.order_id}/${row.line}`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A committed version as the stage must carry it: customers' email hashed and note dropped. */
function version(tbl: string, op: string, row: Row): string {
  if (tbl === 'customers') return JSON.stringify([op, row.name, row.email === null ? null : sha256(String(row.email)), row.tier]);
  return JSON.stringify([op, row.sku, row.qty]);
}

function stageVersion(tbl: string, op: string, row: Row): string {
  if (tbl === 'customers') return JSON.stringify([op, row.name, row.email, row.tier]);
  return JSON.stringify([op, row.sku, row.qty]);
}

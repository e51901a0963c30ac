import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AppProcess } from './support/app-process.ts';
import { listTopics, readTopic, type TopicRecord } from './support/kafka-topic.ts';
import { repoRoot } from './support/native-stack.ts';
import { runReconcileWithFile } from './support/reconcile.ts';
import { sleep, waitFor } from './support/scenario.ts';
import {
  changesOfRecords,
  changesOfStage,
  committedVersions,
  exactlyOnceProblems,
  pgNamesOfTopic,
  type HistoryTable,
  quoteIdent,
  type RawStageLine,
  readHistory,
  readWholeStage,
  stageName,
  stageOffsetProblems,
  type TableChange,
  type TableVersion,
  tableHistorySql,
} from './support/table-history.ts';

/**
 * The exactly-once checks on a schema like a shop's, not only on `products`: a uuid key, a
 * composite key in another order than its columns, wide rows (a few KB and 50–100 KB of text,
 * TOASTed), arrays (int[], text[], inet[] of zero to three elements), jsonb, numeric,
 * timestamptz, bigints beyond 2^53, a keyless table under REPLICA IDENTITY FULL, and a table
 * and columns with names PostgreSQL allows but Kafka and Avro do not (`Odd " . Table`, `p:k`,
 * `col,2`, `123starts`, `__op`, `Mixed Case`). Three writers run multi-table transactions
 * (inserts, updates, a primary-key change, deletes, one TRUNCATE) while the producer and a
 * consumer are killed with SIGKILL and restarted. Every committed version (a trigger logs each
 * one) must be in Kafka once and in the stage once, its values as PostgreSQL has them, and
 * `reconcile` must find each keyed table equal.
 */
const ODD = 'Odd " . Table';
const TABLES: HistoryTable[] = [
  { table: 'customers', key: ['id'] },
  { table: 'order_lines', key: ['line_no', 'order_id'] },
  { table: 'documents', key: ['id'] },
  { table: 'events', key: ['event_id'], keyless: true }, // no primary key: event_id only tells the rows apart in the checks
  { table: ODD, key: ['p:k'] },
];
/** Per table, the columns whose every version must arrive exactly as PostgreSQL's `to_jsonb` has them (JSON values; jsonb by content). */
const EXACT: Record<string, string[]> = {
  customers: ['email', 'name', 'tags'],
  order_lines: ['sku', 'qty', 'attrs'],
  documents: ['title', 'body'],
  events: ['kind', 'ips', 'counts', 'labels', 'payload'],
  [ODD]: ['col,2', '123starts', '__op', 'Mixed Case'],
};
const JSONB = new Set(['attrs', 'payload']);

describe('a realistic schema: five tables, odd names, arrays, wide rows, concurrent writers, kill -9 of both apps', () => {
  const endpoints = inject('endpoints');
  const id = `rs_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const schema = `e2e_${id}`;
  const logSchema = `e2e_${id}_log`;
  const prefix = `e2e.${id}`;
  const slot = `e2e_${id}`;
  const stageDir = join(tmpdir(), 'buyonline-e2e', id, 'stage');
  const logDir = join(repoRoot, 'e2e', '.logs', id);
  const pipelineFile = join(tmpdir(), 'buyonline-e2e', id, 'pipeline.yaml');
  const sql = postgres(endpoints.pgUrl, { max: 6, onnotice: () => undefined });
  const apps: AppProcess[] = [];
  const t = (table: string) => `${quoteIdent(schema)}.${quoteIdent(table)}`;

  function app(kind: 'producer' | 'consumer', name: string): AppProcess {
    const env = { PG_URL: endpoints.pgUrl, KAFKA_BROKERS: endpoints.brokers, SCHEMA_REGISTRY_URL: endpoints.registryUrl, PIPELINE_FILE: pipelineFile };
    const process = new AppProcess(kind, name, env, [kind === 'producer' ? 'run' : 'stream'], logDir);
    apps.push(process);
    return process;
  }

  beforeAll(async () => {
    mkdirSync(stageDir, { recursive: true });
    await sql.unsafe(`create schema ${quoteIdent(schema)}`);
    await sql.unsafe(`create table ${t('customers')} (
      id uuid primary key default gen_random_uuid(), email text not null, name text, tags text[], balance numeric(14,2),
      big bigint, created_at timestamptz not null default now(), rev bigint)`);
    await sql.unsafe(`create table ${t('order_lines')} (
      order_id bigint not null, line_no int not null, sku text not null, qty int not null, price numeric(10,2), attrs jsonb,
      shipped_at timestamptz, rev bigint, primary key (line_no, order_id))`);
    await sql.unsafe(`create table ${t('documents')} (id int primary key, title text not null, body text, rev bigint)`);
    await sql.unsafe(`create table ${t('events')} (event_id bigint not null, kind text, ips inet[], counts int[], labels text[], payload jsonb, at timestamptz default now(), rev bigint)`);
    await sql.unsafe(`alter table ${t('events')} replica identity full`);
    await sql.unsafe(`create table ${t(ODD)} ("p:k" int primary key, "col,2" text, "123starts" int, "__op" text, "Mixed Case" text, rev bigint)`);

    await sql.unsafe(`insert into ${t('customers')} (email, name, tags, balance, big)
      select 'c' || g || '@example.com', 'Customer ' || g, array['t' || (g % 5), 'vip ' || g, 'quote"d,comma'], g * 1.25,
             case g when 1 then 9223372036854775807 when 2 then -9223372036854775808 else 1550166368505037572 + g end
        from generate_series(1, 300) g`);
    await sql.unsafe(`insert into ${t('order_lines')} (order_id, line_no, sku, qty, price, attrs, shipped_at)
      select o, l, 'SKU-' || o || '-' || l, l, (o % 50) + 0.99, jsonb_build_object('gift', o % 2 = 0, 'notes', array['a', 'b'], 'n', o),
             case when o % 3 = 0 then timestamptz '2026-01-01 00:00:00+00' + o * interval '1 hour' end
        from generate_series(1, 200) o, generate_series(1, 3) l`);
    // md5 text compresses little, so the wide bodies live out of line (TOAST): an update that leaves them alone does not carry them
    await sql.unsafe(`insert into ${t('documents')} (id, title, body)
      select g, 'Document ' || g, (select string_agg(md5(g::text || '/' || i), '') from generate_series(1, case when g <= 30 then 100 else 1600 + g * 20 end) i)
        from generate_series(1, 40) g`);
    await sql.unsafe(`insert into ${t('events')} (event_id, kind, ips, counts, labels, payload) select g, ${eventValues('g')} from generate_series(1, 300) g`);
    await sql.unsafe(`insert into ${t(ODD)} select g, 'v,' || g, g * 7, 'op ' || g, 'Mixed ' || g from generate_series(1, 100) g`);
    await sql.begin((tx) => tx.unsafe(tableHistorySql(schema, logSchema, TABLES)));

    writeFileSync(
      pipelineFile,
      `# issue 17's realistic schema
name: e2e-${id}
source:
  connector: postgres
  url: \${PG_URL}
  tableRegex: '${schema}\\..*'
  topicPrefix: ${prefix}
  slot: ${slot}
  publication: ${slot}
  snapshotChunkSize: 50
  snapshotParallelism: 2
  batchSize: 500
  pollIntervalMs: 200
  heartbeatIntervalMs: 2000
sink:
  connector: local-stage
  dir: ${stageDir}
  flushRecords: 300
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
    await sql.unsafe(`drop schema if exists ${quoteIdent(schema)} cascade`).catch(() => undefined);
    await sql.unsafe(`drop schema if exists ${quoteIdent(logSchema)} cascade`).catch(() => undefined);
    await sql.end({ timeout: 5 });
    if (!process.env.E2E_KEEP_STAGE) rmSync(join(stageDir, '..'), { recursive: true, force: true });
  });

  it('carries every committed version of every table exactly once, through kill -9 of the producer and of a consumer; reconcile finds each keyed table equal', async () => {
    const killed = new Set<AppProcess>();
    const kill9 = async (a: AppProcess) => {
      killed.add(a);
      await a.kill9();
    };
    // An app that exited on its own (the producer refusing a name, say) will not bring the rest: say so at once.
    const failIfExited = () => {
      const exited = apps.find((a) => !a.running && !killed.has(a));
      if (exited) throw new Error(`${exited.name} exited on its own; its log ends:\n${tail(exited.logFile)}`);
    };
    let producer = app('producer', 'producer-1').start();
    const steady = app('consumer', 'consumer-a').start();
    let victim = app('consumer', 'consumer-b').start();

    // Writes start once the slot exists: what was committed before its consistent point reaches
    // the pipeline only as the snapshot's rows (a row deleted before it, never), so the history
    // could not say what must arrive. They start once the snapshot holds its table locks (taken
    // just after the consistent point), so the first transaction, a TRUNCATE of order_lines, comes
    // during the snapshot: it waits for the snapshot to read the table (TRUNCATE is not MVCC-safe).
    const consistent = async () => (await sql`select 1 from pg_replication_slots where slot_name = ${slot} and confirmed_flush_lsn is not null`).length > 0;
    await waitFor('the replication slot at its consistent point', async () => ((await consistent()) ? true : undefined), 60_000, 100);
    // Every reader's locks (SNAPSHOT_PARALLELISM, 2 by default, readers for 5 tables): with only the
    // first reader's, the TRUNCATE would queue before a later reader's lock, the readers would let
    // go and take a new slot, and its consistent point would follow writes the history counts.
    const snapshotLocks = async () =>
      Number(
        (
          await sql<{ readers: string }[]>`select count(distinct l.pid)::text as readers from pg_locks l join pg_stat_activity a on a.pid = l.pid
                   where a.application_name = 'buyonline-producer' and l.granted and l.mode = 'AccessShareLock' and l.relation = to_regclass(${t('order_lines')})`
        )[0]?.readers ?? 0,
      ) >= 2;
    await waitFor('the snapshot holding its table locks (or done)', async () => ((await snapshotLocks()) || (await producer.health())?.code === 200 ? true : undefined), 60_000, 20);
    const workload = new AbortController();
    const truncate = { allowed: true, committed: false };
    const writes = runShopWorkload(sql, t, { writers: 3, signal: workload.signal, truncate });
    await waitFor('first stage files', () => (readWholeStage(stageDir).lines.length > 0 ? true : undefined), 120_000);
    // A TRUNCATE still waiting for the snapshot when the producer dies would commit before the
    // resumed snapshot, which could then not read the rows it removed, rows no one read.
    await waitFor('the TRUNCATE committed (after the snapshot read order_lines)', () => (truncate.committed ? true : undefined), 120_000);
    await sleep(2_000);
    await kill9(producer);
    producer = app('producer', 'producer-2').start();
    await waitFor('the producer streaming', async () => {
      failIfExited();
      return (await producer.health())?.code === 200 ? true : undefined;
    }, 120_000);
    await sleep(3_000);
    await kill9(victim);
    victim = app('consumer', 'consumer-b2').start();
    await sleep(3_000);
    workload.abort();
    const committedTransactions = await writes;
    expect(committedTransactions.truncated).toBe(true);

    const committed = committedVersions(await readHistory(sql, logSchema), TABLES);
    let stageProblems: string[] = [];
    await waitFor(
      `the stage to hold all ${committed.length} committed versions`,
      () => {
        failIfExited();
        stageProblems = exactlyOnceProblems(committed, changesOfStage(readWholeStage(stageDir).lines, TABLES), TABLES);
        return stageProblems.length === 0 ? true : undefined;
      },
      150_000,
      1_000,
    ).then(
      // Anything more would be a duplicate: give it a moment to show up.
      () => sleep(2_000),
      (err: Error) => {
        if (/exited on its own/.test(err.message)) throw err;
        // Kafka is read below all the same: it tells whether the producer or the consumer lost the versions.
        process.stdout.write(`[e2e] ${err.message}: ${stageProblems.length} problems\n`);
      },
    );

    const topics = (await listTopics(endpoints.brokers, `${prefix}.`)).filter((name) => !name.endsWith('-dlq'));
    const records: (TopicRecord & { topic: string })[] = [];
    for (const topic of topics) for (const r of await readTopic(endpoints.brokers, topic, endpoints.registryUrl)) records.push({ ...r, topic });
    const inKafka: TableChange[] = [];
    for (const topic of topics) {
      const pgNames = await pgNamesOfTopic(endpoints.registryUrl, topic);
      inKafka.push(...changesOfRecords(topic, records.filter((r) => r.topic === topic), TABLES, pgNames));
    }
    const stage = readWholeStage(stageDir);
    const inStage = changesOfStage(stage.lines, TABLES);

    const counts = Object.fromEntries(TABLES.map(({ table }) => [table, committed.filter((v) => v.tbl === table).length]));
    process.stdout.write(
      `[e2e] realistic schema: ${committedTransactions.transactions} transactions, ${committed.length} committed versions ${JSON.stringify(counts)}, ` +
        `${records.length} Kafka records in ${topics.length} topics, ${stage.lines.length} stage lines\n`,
    );
    // What was compared, for a failure to be looked into after the schema is gone.
    writeFileSync(join(logDir, 'committed-versions.json'), JSON.stringify(committed.map(({ row, rowText, ...v }) => v)));
    writeFileSync(join(logDir, 'kafka-changes.json'), JSON.stringify(inKafka.map(({ row, ...c }) => c)));
    writeFileSync(join(logDir, 'stage-changes.json'), JSON.stringify(inStage.map(({ row, ...c }) => c)));
    expect(byTable(exactlyOnceProblems(committed, inKafka, TABLES)), 'every committed version once in Kafka').toBe('');
    expect(topics).toHaveLength(TABLES.length);
    expect(byTable(exactlyOnceProblems(committed, inStage, TABLES)), 'every committed version once in the stage').toBe('');
    expect(stage.tempFiles).toEqual([]);
    expect(stageOffsetProblems(inKafka, inStage).slice(0, 10), 'every Kafka record once in the stage').toEqual([]);
    expect(byTable(valueProblems(committed, stage.lines)), 'values as PostgreSQL committed them').toBe('');

    const reconcile = await runReconcileWithFile(pipelineFile, endpoints, logDir);
    const verdicts = Object.fromEntries(reconcile.tables.map((r) => [r.name, r.status]));
    expect(verdicts, reconcile.output).toEqual({ customers: 'equal', order_lines: 'equal', documents: 'equal', events: 'skipped', [ODD]: 'equal' });
    expect(reconcile.code).toBe(0);

    expect(await producer.terminate()).toBe(0);
    expect(await steady.terminate()).toBe(0);
    expect(await victim.terminate()).toBe(0);
    // A clean stop adds nothing.
    expect(exactlyOnceProblems(committed, changesOfStage(readWholeStage(stageDir).lines, TABLES), TABLES)).toEqual([]);
  });
});

/** Problems counted per table, with the first few of each. */
function byTable(problems: readonly string[], examples = 4): string {
  const groups = new Map<string, string[]>();
  for (const p of problems) {
    const table = TABLES.map((x) => x.table).find((name) => p.startsWith(`${name}: `) || p.startsWith(`${name} `)) ?? '?';
    groups.set(table, [...(groups.get(table) ?? []), p]);
  }
  return [...groups].map(([table, list]) => `${table}: ${list.length}\n  ${list.slice(0, examples).join('\n  ')}`).join('\n');
}

/** The last lines of a log file. */
function tail(file: string, lines = 5): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n').slice(-3000) : '(no log)';
}

/** The values of an event row `n` (an SQL expression): arrays of 0 to 3 elements with NULLs, quotes and commas, IPv4 and IPv6, nested jsonb. */
function eventValues(n: string): string {
  return `case ${n} % 3 when 0 then 'click' when 1 then 'view' else 'buy' end,
    case ${n} % 4 when 0 then '{}'::inet[] when 1 then array['10.0.0.' || (${n} % 250 + 1)]::inet[]
         when 2 then array['10.0.0.1', '2001:db8::' || to_hex(${n})]::inet[] else array['10.0.0.1', '192.168.0.0/16', '::1']::inet[] end,
    array[${n}::int, -${n}::int, null, 2147483647],
    array['a b', 'quote"d', 'comma,x', null, 'NULL', '{braces}', 'ünï ✓'],
    jsonb_build_object('user', ${n}, 'tags', array['x', 'y'], 'nested', jsonb_build_object('k', ${n}::text, 'deep', jsonb_build_array(1, 'two', null)))`;
}

interface WorkloadResult {
  transactions: number;
  truncated: boolean;
}

/**
 * Writers in multi-table transactions until `signal` aborts: new orders (a customer and three
 * lines), updates of customers and lines, a key change of a line, title-only updates of wide
 * documents (the body stays TOASTed) and new wide bodies, events inserted, updated and deleted,
 * the odd-named table written, deletes; once `truncate.allowed`, one TRUNCATE of order_lines (`truncate.committed` once it committed)
 * followed by new lines in the same transaction. A deadlock or a key collision rolls its transaction back (it then
 * leaves no history).
 */
async function runShopWorkload(sql: Sql, t: (table: string) => string, opts: { writers: number; signal: AbortSignal; truncate: { allowed: boolean; committed: boolean } }): Promise<WorkloadResult> {
  let n = 0;
  let transactions = 0;
  let truncated = false;
  const pick = (table: string, key: string) => `(select ${key} from ${t(table)} order by random() limit 1)`;
  const writer = async () => {
    while (!opts.signal.aborted) {
      n++;
      const k = n;
      const truncateNow = !truncated && opts.truncate.allowed;
      if (truncateNow) truncated = true;
      await sql
        .begin(async (tx) => {
          if (truncateNow) {
            await tx.unsafe(`truncate ${t('order_lines')}`);
            await tx.unsafe(`insert into ${t('order_lines')} (order_id, line_no, sku, qty, price, attrs) select 900000 + l, l, 'AFTER-TRUNCATE', l, 1.5, '{"after":"truncate"}' from generate_series(1, 5) l`);
            return;
          }
          switch (k % 8) {
            case 0: {
              const [c] = await tx.unsafe<{ id: string }[]>(
                `insert into ${t('customers')} (email, name, tags, balance, big) values ($1, $2, $3::text::text[], $4::text::numeric, $5::text::bigint) returning id::text`,
                [`new${k}@example.com`, `New "customer" ${k}`, `{new,"with space","k ${k}"}`, `${k}.5`, String(9007199254740993n + BigInt(k))],
              );
              await tx.unsafe(
                `insert into ${t('order_lines')} (order_id, line_no, sku, qty, price, attrs) select $1::int, l, 'NEW-' || l, l, 19.99, $2::text::jsonb from generate_series(1, 3) l`,
                [100000 + k, JSON.stringify({ customer: c?.id, order: k, lines: [1, 2, 3] })],
              );
              break;
            }
            case 1:
              await tx.unsafe(`update ${t('customers')} set tags = tags || $1::text, balance = balance + 0.01, big = case when big > 0 then big - 1 else big + 1 end where id = ${pick('customers', 'id')}`, [`u${k}`]);
              await tx.unsafe(`update ${t('order_lines')} set qty = qty + 1, attrs = attrs || $1::text::jsonb where (line_no, order_id) = ${pick('order_lines', 'line_no, order_id')}`, [
                JSON.stringify({ touched: k }),
              ]);
              break;
            case 2:
              // a primary-key change: delete of the old key, insert of the new one
              await tx.unsafe(`update ${t('order_lines')} set line_no = line_no + 1000 * $1::int where (line_no, order_id) = ${pick('order_lines', 'line_no, order_id')}`, [k]);
              break;
            case 3:
              await tx.unsafe(`update ${t('documents')} set title = title || ' +' where id = ${pick('documents', 'id')}`);
              break;
            case 4:
              if (k % 16 === 4) {
                await tx.unsafe(
                  `insert into ${t('documents')} (id, title, body) select $1::int, 'Wide ' || $1::int, string_agg(md5($1::int || '.' || i), '') from generate_series(1, 1500 + $1::int % 1500) i`,
                  [1000 + k],
                );
              } else {
                await tx.unsafe(`update ${t('documents')} set body = body || $1 where id = ${pick('documents', 'id')}`, [` appended by ${k}`]);
              }
              break;
            case 5:
              await tx.unsafe(`insert into ${t('events')} (event_id, kind, ips, counts, labels, payload) select 10000 + $1::int * 10 + i, ${eventValues('(10000 + $1::int * 10 + i)')} from generate_series(1, 3) i`, [k]);
              {
                // One change per row and transaction: a keyless table's changes of one row are ordered only by their transactions.
                const older = `(select event_id from ${t('events')} where event_id < 10000 + $1::int * 10 order by random() limit 2)`;
                const [first, second] = await tx.unsafe<{ event_id: string }[]>(`select event_id::text from ${older} o`, [k]);
                if (first) await tx.unsafe(`update ${t('events')} set payload = payload || $1::text::jsonb, counts = counts || $2::int where event_id = $3::bigint`, [JSON.stringify({ seen: k }), k, first.event_id]);
                if (second) await tx.unsafe(`delete from ${t('events')} where event_id = $1::bigint`, [second.event_id]);
              }
              break;
            case 6:
              await tx.unsafe(`insert into ${t(ODD)} values ($1::int, $2, $3::int, $4, $5)`, [1000 + k, `new,${k}`, k, `__op ${k}`, `Mixed "${k}"`]);
              await tx.unsafe(`update ${t(ODD)} set "col,2" = "col,2" || ',u', "__op" = 'updated' where "p:k" = ${pick(ODD, '"p:k"')}`);
              if (k % 3 === 0) await tx.unsafe(`delete from ${t(ODD)} where "p:k" = ${pick(ODD, '"p:k"')}`);
              break;
            default:
              await tx.unsafe(`delete from ${t('order_lines')} where (line_no, order_id) = ${pick('order_lines', 'line_no, order_id')}`);
              if (k % 3 === 0) await tx.unsafe(`delete from ${t('customers')} where id = ${pick('customers', 'id')}`);
              break;
          }
          if (k % 7 === 0) await tx.unsafe('select pg_sleep(0.05)');
        })
        .then(() => {
          transactions++;
          if (truncateNow) opts.truncate.committed = true;
        })
        .catch((err: { code?: string }) => {
          // a deadlock between two writers, or a key change onto a key another writer just took: rolled back
          if (err.code !== '40P01' && err.code !== '23505') throw err;
          if (truncateNow) truncated = false;
        });
    }
  };
  await Promise.all(Array.from({ length: opts.writers }, () => writer()));
  return { transactions, truncated };
}

/** A JSON value with every object's keys sorted, as text: jsonb compared by content. */
function canonical(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((key) => [key, sorted((v as Record<string, unknown>)[key])]),
    );
  };
  return JSON.stringify(sorted(value));
}

/**
 * Each stage line (snapshot read, insert, update) against the version PostgreSQL committed
 * with its rev: the EXACT columns as `to_jsonb` has them (a column left out only when the line
 * says its TOASTed value is unchanged), and `big` (bigint, beyond 2^53) as the same digits.
 */
function valueProblems(committed: readonly TableVersion[], lines: readonly RawStageLine[]): string[] {
  const byRev = new Map(committed.filter((v) => v.rev !== null).map((v) => [`${v.tbl}|${v.rev}`, v]));
  const problems: string[] = [];
  for (const { line, raw } of lines) {
    const change: TableChange | undefined = changesOfStage([{ line, raw, topic: '', file: '' }], TABLES)[0];
    if (!change || !['r', 'c', 'u'].includes(change.op)) continue;
    const version = byRev.get(`${change.tbl}|${change.rev}`);
    if (!version?.row) {
      problems.push(`${change.tbl} ${change.key} rev ${change.rev}: no committed version with that rev`);
      continue;
    }
    const unchanged = (line.__unchanged_toast as string[] | undefined) ?? [];
    for (const column of EXACT[change.tbl] ?? []) {
      const name = stageName(column);
      if (!(name in line)) {
        if (!unchanged.includes(name) && !unchanged.includes(column)) problems.push(`${change.tbl} ${change.key} rev ${change.rev}: no "${name}" in the line`);
        continue;
      }
      const carried = JSONB.has(column) && typeof line[name] === 'string' ? JSON.parse(line[name] as string) : line[name];
      if (canonical(carried) !== canonical(version.row[column])) {
        problems.push(`${change.tbl} ${change.key} rev ${change.rev}: ${column} ${canonical(carried).slice(0, 120)} != ${canonical(version.row[column]).slice(0, 120)}`);
      }
    }
    if (change.tbl === 'customers') {
      const want = /"big": (-?\d+)/.exec(version.rowText ?? '')?.[1];
      const got = /"big":(-?\d+)[,}]/.exec(raw)?.[1];
      if (want !== got) problems.push(`customers ${change.key} rev ${change.rev}: big ${got ?? 'absent or not digits'} != ${want}`);
    }
  }
  return problems;
}

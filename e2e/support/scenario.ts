import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres, { type Sql } from 'postgres';
import { AppProcess } from './app-process.ts';
import type { Endpoints } from './endpoints.ts';
import { readTopic, type TopicRecord } from './kafka-topic.ts';
import { repoRoot } from './native-stack.ts';
import { runReconcile } from './reconcile.ts';
import { type CarriedChange, type CommittedVersion, historyQuery, historySql, latestState, type RowFields, toCommittedVersion, versionProblems } from './row-versions.ts';
import { readStage, type StageLine } from './stage-files.ts';

export interface PgRow {
  id: number;
  name: string;
  category: string | null;
  price: string;
  ts: string;
  txid: string;
}

interface ChangeValue {
  op: string;
  before: ({ id: number } & Record<string, unknown>) | null;
  after: ({ id: number } & Record<string, unknown>) | null;
  source: { txid: number | null; lsn: string | null } | null;
}

type Fields = RowFields;

function fieldsOfRow(r: PgRow): Fields {
  return { name: r.name, category: r.category, price: r.price, ts: r.ts };
}

function fieldsOfLine(l: StageLine): Fields {
  return { name: l.name, category: l.category, price: l.price, ts: l.updated_timestamp };
}

/** Kafka records as changes (tombstones and undecodable records carry none). */
export function changesInKafka(records: readonly TopicRecord[]): CarriedChange[] {
  const out: CarriedChange[] = [];
  for (const r of records) {
    const v = r.value as ChangeValue | null;
    if (!v) continue;
    const row = v.after ?? v.before;
    out.push({
      op: v.op,
      id: v.op === 't' || !row ? undefined : row.id,
      fields: row ? { name: row.name as string, category: row.category as string | null, price: row.price as string, ts: row.updated_timestamp as string } : undefined,
      lsn: v.source?.lsn ?? null,
      partition: r.partition,
      offset: r.offset,
    });
  }
  return out;
}

export type StageChange = CarriedChange & { line: StageLine };

/** Stage lines as changes; a `t` line (TRUNCATE) has no key. */
export function changesInStage(lines: readonly StageLine[]): StageChange[] {
  return lines.map((line) => ({
    op: line.__op,
    id: line.__op === 't' ? undefined : line.id,
    fields: line.__op === 't' ? undefined : fieldsOfLine(line),
    lsn: line.__source?.lsn ?? null,
    partition: line.__kafka.partition,
    offset: line.__kafka.offset,
    line,
  }));
}

/**
 * The latest state per key: the last line of each key in Kafka order (one key, one partition);
 * deletes remove it, and a TRUNCATE (`__op: "t"`) removes every key whose last line came before
 * it by source position (`__source.lsn`, then Kafka offset). A key change arrives as a delete
 * of the old key and an insert of the new one.
 */
export function latestByKey(lines: readonly StageLine[]): Map<number, StageLine> {
  return new Map([...latestState(changesInStage(lines))].map(([id, c]) => [id, c.line]));
}

function differences(rows: readonly PgRow[], latest: ReadonlyMap<number, Fields | undefined>): string[] {
  const out: string[] = [];
  for (const row of rows) {
    const fields = latest.get(row.id);
    const got = fields ? JSON.stringify(fields) : 'missing';
    const want = JSON.stringify(fieldsOfRow(row));
    if (got !== want) out.push(`id ${row.id}: stage ${got} != postgres ${want}`);
  }
  const ids = new Set(rows.map((r) => r.id));
  for (const id of latest.keys()) if (!ids.has(id)) out.push(`id ${id}: in the stage, not in postgres`);
  return out;
}

function latestFields(changes: readonly CarriedChange[]): Map<number, Fields | undefined> {
  return new Map([...latestState(changes)].map(([id, c]) => [id, c.fields]));
}

/** Where the services are, as the apps reach them. */
export type ServiceAddresses = Pick<Endpoints, 'pgUrl' | 'brokers' | 'registryUrl'>;

export interface ExactlyOnceReport {
  /** Committed row versions (inserts, updates, deletes) PostgreSQL logged, each checked in Kafka and in the stage. */
  versions: number;
  kafkaRecords: number;
  stageLines: number;
  files: number;
  pgRows: number;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 180_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** One isolated pipeline: its own schema, topics, consumer group and stage folder. */
export class Scenario {
  readonly id: string;
  readonly schema: string;
  readonly topic: string;
  readonly group: string;
  readonly stageDir: string;
  readonly logDir: string;
  readonly dlqTopic: string;
  readonly slot: string;
  readonly sql: Sql;
  private readonly apps: AppProcess[] = [];

  constructor(
    readonly name: string,
    readonly endpoints: Endpoints,
    readonly mode: 'logical' | 'polling' = 'logical',
  ) {
    this.id = `${name}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
    this.schema = `e2e_${this.id}`;
    this.topic = `e2e.${this.id}.products`;
    this.group = `e2e-${this.id}`;
    this.dlqTopic = `${this.topic}.dlq`;
    this.slot = `e2e_${this.id}`.toLowerCase();
    this.stageDir = join(tmpdir(), 'buyonline-e2e', this.id, 'stage');
    this.logDir = join(repoRoot, 'e2e', '.logs', this.id);
    mkdirSync(this.stageDir, { recursive: true });
    this.sql = postgres(endpoints.pgUrl, { max: 8, onnotice: () => undefined });
  }

  get table(): string {
    return `"${this.schema}".products`;
  }

  /** The producer's settings for this scenario, given where the services are (host or container network). */
  producerEnv(services: ServiceAddresses): Record<string, string> {
    return {
      PG_URL: services.pgUrl,
      PG_TABLE: `${this.schema}.products`,
      KAFKA_BROKERS: services.brokers,
      SCHEMA_REGISTRY_URL: services.registryUrl,
      TOPIC: this.topic,
      TOPIC_PARTITIONS: '3',
      OFFSETS_TOPIC: `e2e.${this.id}.offsets`,
      SOURCE_DLQ_TOPIC: `${this.topic}.source-dlq`,
      CONNECTOR_NAME: `e2e-${this.id}`,
      CAPTURE_MODE: this.mode,
      SLOT_NAME: this.slot,
      PUBLICATION_NAME: this.slot,
      HEARTBEAT_INTERVAL_MS: '2000',
      POLL_BATCH_SIZE: '500',
      POLL_INTERVAL_MS: '200',
    };
  }

  /** The consumer's settings for this scenario; `stageDir` as the consumer sees it. */
  consumerEnv(services: ServiceAddresses, stageDir: string): Record<string, string> {
    return {
      KAFKA_BROKERS: services.brokers,
      SCHEMA_REGISTRY_URL: services.registryUrl,
      TOPIC: this.topic,
      CONSUMER_GROUP: this.group,
      SINK_DLQ_TOPIC: this.dlqTopic,
      STAGE_DIR: stageDir,
      FLUSH_RECORDS: '700',
      ROTATE_INTERVAL_MS: '1000',
      COMMIT_INTERVAL_MS: '1000',
    };
  }

  producer(name = 'producer', extra: Record<string, string> = {}, args: string[] = ['run']): AppProcess {
    const app = new AppProcess('producer', name, { ...this.producerEnv(this.endpoints), ...extra }, args, this.logDir);
    this.apps.push(app);
    return app;
  }

  consumer(name: string, mode: 'stream' | 'batch' = 'stream', extra: Record<string, string> = {}): AppProcess {
    const app = new AppProcess('consumer', name, { ...this.consumerEnv(this.endpoints, this.stageDir), ...extra }, [mode], this.logDir);
    this.apps.push(app);
    return app;
  }

  /** Creates the table through the producer's own `migrate` and seeds it with `seed`. */
  async seed(rows: number): Promise<void> {
    const code = await this.producer('seed', {}, ['seed', '--rows', String(rows)]).start().wait();
    if (code !== 0) throw new Error(`producer seed exited ${code}`);
    await this.recordHistory();
  }

  /**
   * From now on PostgreSQL logs every committed version of the scenario's table (see
   * row-versions.ts); the rows already there are logged as inserts. Call it once the table
   * exists and before the producer starts: `seed` does. `verifyExactlyOnce` needs it.
   */
  async recordHistory(): Promise<void> {
    await this.sql.begin((tx) => tx.unsafe(historySql(this.schema, 'products')));
  }

  /** Every committed version of the table's rows, in commit order per key. */
  async history(): Promise<CommittedVersion[]> {
    const rows = await this.sql.unsafe<Parameters<typeof toCommittedVersion>[0][]>(historyQuery(this.schema)).catch((err: { code?: string }) => {
      if (err.code === '42P01') throw new Error(`no row history in ${this.schema}: call scenario.recordHistory() after creating the table, before writing`);
      throw err;
    });
    return rows.map(toCommittedVersion);
  }

  async pgRows(): Promise<PgRow[]> {
    return this.sql.unsafe<PgRow[]>(
      `select id::int as id, name, category, price::text as price,
              to_char(updated_timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ts,
              cdc_txid::text as txid
         from ${this.table} order by id`,
    ) as unknown as Promise<PgRow[]>;
  }

  /** Resolves once the latest state per key in the stage equals PostgreSQL's rows. */
  async waitUntilStageMatchesPostgres(timeoutMs = 240_000): Promise<void> {
    let last: string[] = [];
    await waitFor(
      'the stage to hold the current version of every row',
      async () => {
        last = differences(await this.pgRows(), latestFields(changesInStage(readStage(this.stageDir, this.topic).lines)));
        return last.length === 0 ? true : undefined;
      },
      timeoutMs,
      1000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; ${last.length} differences, e.g.\n${last.slice(0, 5).join('\n')}`);
    });
  }

  /**
   * The exactly-once check, on data only, against PostgreSQL's own log of every committed
   * row version (`recordHistory`):
   * - Kafka holds each committed version (insert, update, delete, TRUNCATE) exactly once, in
   *   commit order per key, and nothing PostgreSQL did not commit; a snapshot read may stand for
   *   the versions committed before it, nothing else may be skipped (log-based capture: a lost
   *   intermediate update fails; polling sees only the latest state at each poll, so there
   *   the versions carried must be committed ones, in order, none twice);
   * - the stage holds each Kafka record (partition, offset) once, and every one of them: no gap,
   *   no duplicate, no leftover temp file; and, read on its own, each committed version once;
   * - the latest version of each key in the stage equals PostgreSQL's row, field by field,
   *   and `consumer reconcile` agrees.
   */
  async verifyExactlyOnce(): Promise<ExactlyOnceReport> {
    const history = await this.history();
    const everyVersion = this.mode === 'logical';
    const records: TopicRecord[] = await readTopic(this.endpoints.brokers, this.topic, this.endpoints.registryUrl);
    const inKafka = versionProblems(history, changesInKafka(records), { everyVersion });
    if (inKafka.length > 0) throw new Error(`Kafka does not hold each committed version exactly once (${inKafka.length} problems):\n${inKafka.slice(0, 10).join('\n')}`);

    const stage = readStage(this.stageDir, this.topic);
    if (stage.tempFiles.length > 0) throw new Error(`temp files left in the stage: ${stage.tempFiles.join(', ')}`);
    const inStage = new Map<string, number>();
    for (const line of stage.lines) {
      const key = `${line.__kafka.partition}:${line.__kafka.offset}`;
      inStage.set(key, (inStage.get(key) ?? 0) + 1);
    }
    const duplicates = [...inStage].filter(([, n]) => n > 1).map(([k]) => k);
    const kafkaOffsets = new Set(records.filter((r) => r.value !== null).map((r) => `${r.partition}:${r.offset}`));
    const missing = [...kafkaOffsets].filter((k) => !inStage.has(k));
    const extra = [...inStage.keys()].filter((k) => !kafkaOffsets.has(k));
    if (duplicates.length || missing.length || extra.length) {
      throw new Error(
        `stage is not exactly-once: ${duplicates.length} duplicated (${duplicates.slice(0, 5).join(', ')}), ` +
          `${missing.length} missing (${missing.slice(0, 5).join(', ')}), ${extra.length} not in Kafka (${extra.slice(0, 5).join(', ')})`,
      );
    }
    const stageChanges = changesInStage(stage.lines);
    const staged = versionProblems(history, stageChanges, { everyVersion });
    if (staged.length > 0) throw new Error(`the stage does not hold each committed version exactly once (${staged.length} problems):\n${staged.slice(0, 10).join('\n')}`);

    const rows = await this.pgRows();
    const mismatches = differences(rows, latestFields(stageChanges));
    if (mismatches.length > 0) throw new Error(`stage differs from PostgreSQL:\n${mismatches.slice(0, 10).join('\n')}`);
    // The user-facing check must agree: `consumer reconcile` compares the same two sides.
    const reconcile = await runReconcile(this);
    if (reconcile.code !== 0 || !reconcile.report?.equal) {
      throw new Error(`consumer reconcile disagrees (exit ${reconcile.code}): ${reconcile.stdout.slice(-2000)}${reconcile.stderr.slice(-2000)}`);
    }
    return {
      versions: history.filter((v) => v.op !== 't').length,
      kafkaRecords: kafkaOffsets.size,
      stageLines: stage.lines.length,
      files: stage.files.length,
      pgRows: rows.length,
    };
  }

  /** Resolves once Kafka holds the current version of every PostgreSQL row. */
  async waitUntilKafkaMatchesPostgres(timeoutMs = 180_000): Promise<void> {
    await waitFor(
      'Kafka to hold the current version of every row',
      async () => {
        const rows = await this.pgRows();
        const latest = latestFields(changesInKafka(await readTopic(this.endpoints.brokers, this.topic, this.endpoints.registryUrl)));
        const ok = rows.every((r) => JSON.stringify(latest.get(r.id)) === JSON.stringify(fieldsOfRow(r)));
        return ok ? true : undefined;
      },
      timeoutMs,
      1000,
    );
  }

  /** Resolves once every record of the topic (read_committed) is in the stage; returns the records. */
  async waitUntilStageHoldsKafka(timeoutMs = 120_000): Promise<TopicRecord[]> {
    return waitFor(
      'the stage to hold every Kafka record',
      async () => {
        const records = await readTopic(this.endpoints.brokers, this.topic, this.endpoints.registryUrl);
        const staged = new Set(readStage(this.stageDir, this.topic).lines.map((l) => `${l.__kafka.partition}:${l.__kafka.offset}`));
        return records.every((r) => r.value === null || staged.has(`${r.partition}:${r.offset}`)) ? records : undefined;
      },
      timeoutMs,
      1000,
    );
  }

  async cleanup(): Promise<void> {
    for (const app of this.apps) if (app.running) await app.kill9();
    // A forgotten slot would hold WAL forever.
    await this.sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${this.slot} and not active`.catch(() => undefined);
    await this.sql.unsafe(`drop publication if exists "${this.slot}"`).catch(() => undefined);
    await this.sql.unsafe(`drop schema if exists "${this.schema}" cascade`).catch(() => undefined);
    await this.sql.end({ timeout: 5 });
    if (!process.env.E2E_KEEP_STAGE) rmSync(join(this.stageDir, '..'), { recursive: true, force: true });
  }
}

/**
 * Concurrent writers (inserts and updates in short transactions, some held open with a
 * sleep so that commit order differs from transaction order) until `signal` aborts or
 * `transactions` ran. Returns how many transactions committed.
 */
export async function runWorkload(sql: Sql, table: string, opts: { writers: number; transactions: number; signal?: AbortSignal }): Promise<number> {
  let done = 0;
  const writer = async (w: number) => {
    while (done < opts.transactions && !opts.signal?.aborted) {
      done++;
      const n = done;
      await sql
        .begin(async (tx) => {
        if (n % 5 === 0) {
          await tx.unsafe(`insert into ${table} (name, category, price) values ($1, $2, $3)`, [`new ${n} ✓`, n % 3 === 0 ? null : 'new', (n % 1000) / 4]);
        } else {
          await tx.unsafe(`update ${table} set price = price + 0.01, name = name || '' where id = (select id from ${table} order by random() limit 1)`);
          if (n % 2 === 0) await tx.unsafe(`update ${table} set category = $1 where id = (select id from ${table} order by random() limit 1)`, [`w${w}`]);
        }
        if (n % 7 === 0) await tx.unsafe('select pg_sleep(0.05)');
        })
        .catch((err: { code?: string }) => {
          if (err.code !== '40P01') throw err; // a deadlock between two writers: that transaction rolled back
        });
    }
  };
  await Promise.all(Array.from({ length: opts.writers }, (_, w) => writer(w)));
  return done;
}

/**
 * Two writers committing in pairs: each of two connections inserts `rowsPerTransaction` rows
 * in its own transaction, then both COMMITs are sent at the same moment, so their commit
 * records land side by side in the WAL. Runs until `signal` aborts; returns the ids of the
 * rows whose transaction committed.
 */
export async function runPairedInserts(sql: Sql, table: string, opts: { signal: AbortSignal; rowsPerTransaction?: number }): Promise<number[]> {
  const rows = opts.rowsPerTransaction ?? 1;
  const connections = await Promise.all([sql.reserve(), sql.reserve()]);
  const committed: number[] = [];
  let round = 0;
  try {
    while (!opts.signal.aborted) {
      round++;
      const n = round;
      await Promise.all(connections.map((c) => c`begin`));
      const inserted = await Promise.all(
        connections.map((c, w) =>
          c.unsafe<{ id: number }[]>(
            `insert into ${table} (name, category, price) select $1 || ' #' || g, 'pair', $2 from generate_series(1, $3::int) g returning id::int as id`,
            [`pair ${n} w${w}`, (n % 1000) / 4, rows],
          ),
        ),
      );
      await Promise.all(connections.map((c) => c`commit`));
      for (const result of inserted) for (const r of result) committed.push(r.id);
    }
  } finally {
    for (const c of connections) c.release();
  }
  return committed;
}

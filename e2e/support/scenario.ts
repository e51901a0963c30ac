import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres, { type Sql } from 'postgres';
import { AppProcess } from './app-process.ts';
import type { Endpoints } from './endpoints.ts';
import { readTopic, type TopicRecord } from './kafka-topic.ts';
import { repoRoot } from './native-stack.ts';
import { runReconcile } from './reconcile.ts';
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
  before: { id: number } | null;
  after: { id: number } | null;
  source: { txid: number | null; lsn: string | null };
}

/** A row version's identity: key, position at the source, and content (one transaction may update a row twice). */
function versionOf(v: ChangeValue): string {
  return JSON.stringify([v.op, v.source.lsn, v.source.txid, v.after ?? v.before]);
}

type Fields = { name: string; category: string | null; price: string; ts: string };

function fieldsOfRow(r: PgRow): Fields {
  return { name: r.name, category: r.category, price: r.price, ts: r.ts };
}

function fieldsOfLine(l: StageLine): Fields {
  return { name: l.name, category: l.category, price: l.price, ts: l.updated_timestamp };
}

/** The latest state per key: the last line of each key in Kafka order (one key, one partition); deletes remove it. */
export function latestByKey(lines: readonly StageLine[]): Map<number, StageLine> {
  const sorted = [...lines].sort((a, b) => a.__kafka.partition - b.__kafka.partition || a.__kafka.offset - b.__kafka.offset);
  const latest = new Map<number, StageLine>();
  for (const line of sorted) {
    if (line.__deleted) latest.delete(line.id);
    else latest.set(line.id, line);
  }
  return latest;
}

function differences(rows: readonly PgRow[], latest: ReadonlyMap<number, StageLine>): string[] {
  const out: string[] = [];
  for (const row of rows) {
    const line = latest.get(row.id);
    const got = line ? JSON.stringify(fieldsOfLine(line)) : 'missing';
    const want = JSON.stringify(fieldsOfRow(row));
    if (got !== want) out.push(`id ${row.id}: stage ${got} != postgres ${want}`);
  }
  const ids = new Set(rows.map((r) => r.id));
  for (const id of latest.keys()) if (!ids.has(id)) out.push(`id ${id}: in the stage, not in postgres`);
  return out;
}

/** Where the services are, as the apps reach them. */
export type ServiceAddresses = Pick<Endpoints, 'pgUrl' | 'brokers' | 'registryUrl'>;

export interface ExactlyOnceReport {
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
        last = differences(await this.pgRows(), latestByKey(readStage(this.stageDir, this.topic).lines));
        return last.length === 0 ? true : undefined;
      },
      timeoutMs,
      1000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; ${last.length} differences, e.g.\n${last.slice(0, 5).join('\n')}`);
    });
  }

  /**
   * The exactly-once check, on data only:
   * - Kafka holds each row version (id, writing transaction) once: the producer never duplicated;
   * - the stage holds each Kafka record (partition, offset) once, and every one of them: no gap,
   *   no duplicate, no leftover temp file;
   * - the latest version of each key in the stage equals PostgreSQL's row, field by field.
   */
  async verifyExactlyOnce(): Promise<ExactlyOnceReport> {
    const records: TopicRecord[] = await readTopic(this.endpoints.brokers, this.topic, this.endpoints.registryUrl);
    const versions = new Map<string, number>();
    for (const r of records) {
      const v = r.value as ChangeValue | null;
      if (!v) continue;
      const key = versionOf(v);
      versions.set(key, (versions.get(key) ?? 0) + 1);
    }
    const duplicatedVersions = [...versions].filter(([, n]) => n > 1).map(([k]) => k);
    if (duplicatedVersions.length > 0) {
      throw new Error(`row versions produced more than once: ${duplicatedVersions.slice(0, 10).join(', ')} (${duplicatedVersions.length} in all)`);
    }

    const stage = readStage(this.stageDir, this.topic);
    if (stage.tempFiles.length > 0) throw new Error(`temp files left in the stage: ${stage.tempFiles.join(', ')}`);
    const inStage = new Map<string, number>();
    for (const line of stage.lines) {
      const key = `${line.__kafka.partition}:${line.__kafka.offset}`;
      inStage.set(key, (inStage.get(key) ?? 0) + 1);
    }
    const duplicates = [...inStage].filter(([, n]) => n > 1).map(([k]) => k);
    const inKafka = new Set(records.filter((r) => r.value !== null).map((r) => `${r.partition}:${r.offset}`));
    const missing = [...inKafka].filter((k) => !inStage.has(k));
    const extra = [...inStage.keys()].filter((k) => !inKafka.has(k));
    if (duplicates.length || missing.length || extra.length) {
      throw new Error(
        `stage is not exactly-once: ${duplicates.length} duplicated (${duplicates.slice(0, 5).join(', ')}), ` +
          `${missing.length} missing (${missing.slice(0, 5).join(', ')}), ${extra.length} not in Kafka (${extra.slice(0, 5).join(', ')})`,
      );
    }

    const rows = await this.pgRows();
    const mismatches = differences(rows, latestByKey(stage.lines));
    if (mismatches.length > 0) throw new Error(`stage differs from PostgreSQL:\n${mismatches.slice(0, 10).join('\n')}`);
    // The user-facing check must agree: `consumer reconcile` compares the same two sides.
    const reconcile = await runReconcile(this);
    if (reconcile.code !== 0 || !reconcile.report?.equal) {
      throw new Error(`consumer reconcile disagrees (exit ${reconcile.code}): ${reconcile.stdout.slice(-2000)}${reconcile.stderr.slice(-2000)}`);
    }
    return { kafkaRecords: inKafka.size, stageLines: stage.lines.length, files: stage.files.length, pgRows: rows.length };
  }

  /** Resolves once Kafka holds the current version of every PostgreSQL row. */
  async waitUntilKafkaMatchesPostgres(timeoutMs = 180_000): Promise<void> {
    await waitFor(
      'Kafka to hold the current version of every row',
      async () => {
        const rows = await this.pgRows();
        const records = await readTopic(this.endpoints.brokers, this.topic, this.endpoints.registryUrl);
        const latest = new Map<number, Fields | null>();
        for (const r of records.sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
          const v = r.value as (ChangeValue & { after: (Fields & { id: number; updated_timestamp: string }) | null }) | null;
          if (!v) continue;
          const id = (v.after ?? v.before)?.id;
          if (id === undefined) continue;
          latest.set(id, v.after ? { name: v.after.name, category: v.after.category, price: v.after.price, ts: v.after.updated_timestamp } : null);
        }
        const ok = rows.every((r) => JSON.stringify(latest.get(r.id)) === JSON.stringify(fieldsOfRow(r)));
        return ok ? true : undefined;
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

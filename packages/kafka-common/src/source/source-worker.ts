import { Backoff, sleep } from '@buyonline/connect-api';
import type { KafkaConfig } from '../shared/kafka-config.ts';
import type { Logger, PluginContext, SourceRecord, SourceTask, Transform } from '@buyonline/connect-api';
import { describeError, isRetriable } from '@buyonline/connect-api';
import { createKafka, ensureTopics, type TopicSpec } from '../shared/kafka-clients.ts';
import { readSourceOffsets } from './offset-store.ts';
import { BatchPreparer } from './source-batch.ts';
import { reportCommit, type SourceWorkerStats } from './commit-report.ts';
import { DEFAULT_MAX_UNDELIVERED_BYTES, kafkaError } from './source-transaction.ts';
import { DEFAULT_TRANSACTION_TIMEOUT_MS, pipelineProducers } from './producer-settings.ts';
import { TransactionPipeline } from './transaction-pipeline.ts';
import { AvroProducerSerde } from '../serde/avro-producer-serde.ts';
import { createRegistryClient } from '../serde/registry-client.ts';

export interface SourceWorkerOptions {
  /** Connector instance name: keys its positions in the offsets topic. */
  connector: string;
  task: SourceTask;
  kafka: KafkaConfig;
  registryUrl: string;
  /** Compacted topic holding source positions (Kafka Connect's offset.storage.topic). */
  offsetsTopic: string;
  /** Where records that cannot be serialized go, with the reason in headers. */
  deadLetterTopic: string;
  /** Data topics to create when missing, before the first poll. */
  topics: readonly TopicSpec[];
  /** Partitions of a data topic first met in a record (a table, or a route), created then. */
  newTopicPartitions?: number;
  /** Applied in order to every record before serialization; a transform may drop a record (null). */
  transforms?: readonly Transform[];
  /** Stable per connector instance: a restarted producer fences its predecessor. */
  transactionalId: string;
  /** Longest a Kafka transaction may stay open (one source transaction streams through one). */
  transactionTimeoutMs?: number;
  /** A record larger than this (key + value + headers) goes to the dead-letter topic. */
  maxRecordBytes?: number;
  /** Bytes (keys and values) handed to the Kafka client and not yet delivered, at most: beyond it a transaction waits for deliveries. */
  maxUndeliveredBytes?: number;
  /** With work in hand and no Kafka commit for this long, the worker reports itself stalled (not ready). */
  stallTimeoutMs?: number;
  ctx: PluginContext;
}

/** The worker's defaults of its optional settings: the one place they are declared (the producer's variables default to them). */
export const SOURCE_WORKER_DEFAULTS = {
  transactionTimeoutMs: DEFAULT_TRANSACTION_TIMEOUT_MS,
  maxRecordBytes: 1_000_000,
  maxUndeliveredBytes: DEFAULT_MAX_UNDELIVERED_BYTES,
  stallTimeoutMs: 60_000,
  newTopicPartitions: 3,
} as const;

/**
 * poll → serialize → one Kafka transaction holding the records and the source position →
 * commit → tell the task (which may then acknowledge its position upstream). A source
 * transaction larger than one poll streams through one open Kafka transaction. A transient
 * Kafka failure aborts, backs off, reads the stored positions again and goes on.
 *
 * Transactions are pipelined (TransactionPipeline): while one commits, the next batch is
 * polled, serialized and produced in a second transaction. The task hears of each commit in
 * order, and only after it (`SourceTask.commit`).
 */
export class SourceWorker {
  readonly stats: SourceWorkerStats = { records: 0, transactions: 0, deadLettered: 0, lastCommitAt: null };
  private ready = false;
  private retrying = false;
  /** Since when records (or a failure) wait for a Kafka commit; null while idle or caught up. */
  private workSince: number | null = null;
  /** Data topics known to exist. */
  private readonly knownTopics = new Set<string>();
  private client: ReturnType<typeof createKafka> | undefined;

  constructor(private readonly options: SourceWorkerOptions) {}

  isReady(): boolean {
    return this.ready && !this.stalled();
  }

  /** What /health says when not ready. */
  status(): 'ok' | 'starting' | 'retrying' | 'stalled' {
    if (this.stalled()) return 'stalled';
    if (this.retrying) return 'retrying';
    return this.ready ? 'ok' : 'starting';
  }

  private stalled(): boolean {
    const limit = this.options.stallTimeoutMs ?? SOURCE_WORKER_DEFAULTS.stallTimeoutMs;
    return this.workSince !== null && this.options.ctx.now() - this.workSince > limit;
  }

  private noteWork(): void {
    this.workSince ??= this.options.ctx.now();
  }

  async run(signal: AbortSignal): Promise<void> {
    const { ctx, kafka } = this.options;
    const log = ctx.logger.child({ component: 'source-worker', connector: this.options.connector });
    const client = createKafka(kafka, log);
    this.client = client;
    await ensureTopics(client, [
      ...this.options.topics,
      {
        topic: this.options.offsetsTopic,
        numPartitions: 1,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
      { topic: this.options.deadLetterTopic, numPartitions: 1 },
    ]);
    for (const spec of this.options.topics) this.knownTopics.add(spec.topic);
    const serde = new AvroProducerSerde(createRegistryClient(this.options.registryUrl));
    const backoff = new Backoff(1_000, 30_000);
    while (!signal.aborted) {
      try {
        await this.session(serde, signal, log, () => {
          backoff.reset();
          this.retrying = false;
        });
        return;
      } catch (err) {
        if (signal.aborted || !isRetriable(err)) throw err;
        this.retrying = true;
        this.noteWork(); // whatever was in flight is not in Kafka yet
        const wait = backoff.next();
        log.warn({ err: describeError(err), retryInMs: wait }, 'source session failed; resuming from the positions stored in Kafka');
        ctx.metrics.count('source_session_restarts_total');
        await sleep(wait, signal);
      }
    }
  }

  /**
   * One producer session: initialise transactions (fencing a predecessor), read the stored
   * positions, start the task from them and pump until the signal aborts or something fails.
   */
  private async session(
    serde: AvroProducerSerde,
    signal: AbortSignal,
    log: Logger,
    progressed: () => void,
  ): Promise<void> {
    const { task, kafka, ctx } = this.options;
    const transactionTimeoutMs = this.options.transactionTimeoutMs ?? SOURCE_WORKER_DEFAULTS.transactionTimeoutMs;
    const producers = pipelineProducers(kafka, this.options.transactionalId, transactionTimeoutMs, log);
    const pipeline = new TransactionPipeline(producers, () => ctx.now(), this.options.maxUndeliveredBytes);
    const preparer = new BatchPreparer({
      connector: this.options.connector,
      serde,
      transforms: this.options.transforms ?? [],
      maxRecordBytes: this.options.maxRecordBytes ?? SOURCE_WORKER_DEFAULTS.maxRecordBytes,
      log,
    });
    let started = false;
    try {
      // Initialising transactions aborts a crashed predecessor's open transactions and fences
      // a zombie with the same transactional ids from now on.
      await pipeline.connect();
      const offsets = await readSourceOffsets(kafka, this.options.offsetsTopic, this.options.connector);
      log.info({ positions: offsets.size }, 'source positions read from the offsets topic');
      started = true;
      await task.start(offsets);
      this.ready = true;
      await this.pump(pipeline, preparer, signal, log, progressed);
      // A clean stop lets the closed transactions commit (and be acknowledged). One left open in
      // the middle of a source transaction is aborted: that source transaction is read again from
      // the stored position next time, and read_committed readers are not held behind it until
      // transaction.timeout.ms.
      await pipeline.drain();
      if (pipeline.isOpen) {
        log.info({}, 'stopping inside a source transaction: its open Kafka transaction is aborted');
        await pipeline.abort();
      }
    } catch (err) {
      await pipeline.abort();
      throw err;
    } finally {
      this.ready = false;
      if (started) await task.stop().catch((err: unknown) => log.error({ err: describeError(err) }, 'source task stop failed'));
      await pipeline.disconnect((err: unknown) => log.error({ err: describeError(err) }, 'producer disconnect failed'));
    }
  }

  /**
   * poll → prepare → produce into the open Kafka transaction, closed (to commit in the
   * background) at the end of each source transaction; until the signal aborts.
   */
  private async pump(
    pipeline: TransactionPipeline,
    preparer: BatchPreparer,
    signal: AbortSignal,
    log: Logger,
    progressed: () => void,
  ): Promise<void> {
    const { task } = this.options;
    const pollBackoff = new Backoff();
    /** The source timestamp of the oldest record of the Kafka transaction being filled (for the latency histogram). */
    let oldestTimestamp: number | undefined;
    while (!signal.aborted) {
      const records = await this.poll(pipeline, pollBackoff, signal, log);
      if (records === undefined) continue;
      pipeline.throwIfFailed();
      if (records.length === 0) {
        if (!pipeline.busy) this.workSince = null; // caught up
        continue;
      }
      this.noteWork();
      const batch = await preparer.prepare(records); // while transactions before it commit
      await this.ensureDataTopics([...batch.byTopic.keys()]);
      await pipeline.add(batch, this.options.deadLetterTopic);
      oldestTimestamp ??= firstTimestamp(records);
      if (records.at(-1)?.inTransaction) continue; // the source transaction goes on: keep the Kafka one open
      const sourceTimestamp = oldestTimestamp;
      oldestTimestamp = undefined;
      // Only the batch's last record waits for the commit (SourceTask.commit): its records, already
      // encoded and produced, are garbage now instead of living on in the old generation.
      const closing = records.slice(-1);
      pipeline.close(this.options.offsetsTopic, async (tx, metadata) => {
        reportCommit(this.stats, this.options.ctx, tx, metadata, sourceTimestamp);
        if (!pipeline.busy) this.workSince = null;
        progressed();
        await task.commit(closing, metadata);
      });
    }
  }

  /** The task's next records; undefined after a failed poll was waited out (retried only with no Kafka transaction open). */
  private async poll(pipeline: TransactionPipeline, backoff: Backoff, signal: AbortSignal, log: Logger): Promise<SourceRecord[] | undefined> {
    try {
      const records = await this.options.task.poll(signal);
      backoff.reset();
      return records;
    } catch (err) {
      // With a Kafka transaction open, its records cannot be re-read into it: abort and resume from Kafka.
      if (!isRetriable(err) || signal.aborted || pipeline.isOpen) throw err;
      const wait = backoff.next();
      log.warn({ err: describeError(err), retryInMs: wait }, 'source poll failed, retrying');
      this.options.ctx.metrics.count('source_poll_errors_total');
      await sleep(wait, signal);
      return undefined;
    }
  }

  /** A table (or a route) met for the first time gets its topic before anything is sent to it. */
  private async ensureDataTopics(topics: readonly string[]): Promise<void> {
    const missing = topics.filter((t) => !this.knownTopics.has(t));
    if (missing.length === 0 || !this.client) return;
    const numPartitions = this.options.newTopicPartitions ?? SOURCE_WORKER_DEFAULTS.newTopicPartitions;
    try {
      await ensureTopics(this.client, missing.map((topic) => ({ topic, numPartitions })));
    } catch (err) {
      throw kafkaError(`cannot create topic(s) ${missing.join(', ')}`, err);
    }
    for (const t of missing) this.knownTopics.add(t);
  }
}

/** The timestamp of the first record that has one (a position-only record has none). */
function firstTimestamp(records: readonly SourceRecord[]): number | undefined {
  for (let i = 0; i < records.length; i++) {
    const ts = (records[i] as SourceRecord).timestampMs;
    if (ts !== undefined && !(records[i] as SourceRecord).positionOnly) return ts;
  }
  return undefined;
}

import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { Backoff, sleep } from '@buyonline/connect-api';
import type { KafkaConfig } from './config.ts';
import type { Logger, PluginContext, RecordMetadata, SourceRecord, SourceTask, Transform } from '@buyonline/connect-api';
import { CdcError, DataError, describeError, FencedError, isRetriable } from '@buyonline/connect-api';
import { sourceDeadLetter } from './dead-letter.ts';
import { applyTransforms, transformFailure } from './transform-chain.ts';
import { createKafka, ensureTopics, type TopicSpec } from './kafka-clients.ts';
import { offsetKey, readSourceOffsets } from './offset-store.ts';
import { AvroProducerSerde, createRegistryClient } from './schema-registry.ts';

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
  /** With work in hand and no Kafka commit for this long, the worker reports itself stalled (not ready). */
  stallTimeoutMs?: number;
  ctx: PluginContext;
}

export interface SourceWorkerStats {
  records: number;
  transactions: number;
  deadLettered: number;
  lastCommitAt: number | null;
}

/** Messages per `send` call: delivery is awaited per chunk, so librdkafka's queue never fills. */
const SEND_CHUNK = 5_000;
const DEFAULT_TRANSACTION_TIMEOUT_MS = 900_000;
const DEFAULT_MAX_RECORD_BYTES = 1_000_000;

/** A Kafka transaction in progress: records of one or more polls, positions of the closed source transactions. */
interface OpenTransaction {
  tx: KafkaJS.Transaction;
  started: number;
  positions: Map<string, string>;
  sent: number;
  deadLettered: number;
  /** Records a transform dropped. */
  filtered: number;
  /** Where the records of the last batch went (per topic partition, the first offset). */
  metadata: RecordMetadata[];
}

/**
 * poll → serialize → one Kafka transaction holding the records and the source position →
 * commit → tell the task (which may then acknowledge its position upstream). A source
 * transaction larger than one poll streams through one open Kafka transaction. A transient
 * Kafka failure aborts, backs off, reads the stored positions again and goes on.
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
    const limit = this.options.stallTimeoutMs ?? 60_000;
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
        await this.session(client, serde, signal, log, () => {
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
    client: ReturnType<typeof createKafka>,
    serde: AvroProducerSerde,
    signal: AbortSignal,
    log: Logger,
    progressed: () => void,
  ): Promise<void> {
    const { task, kafka } = this.options;
    const producer = client.producer({
      kafkaJS: { transactionalId: this.options.transactionalId, idempotent: true, maxInFlightRequests: 5 },
      'transaction.timeout.ms': this.options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS,
      'linger.ms': 5,
    });
    let open: OpenTransaction | undefined;
    let started = false;
    try {
      // connect() initialises transactions: a crashed predecessor's open transaction is aborted
      // and a zombie with the same transactional id is fenced from now on.
      await producer.connect().catch((err: unknown) => {
        throw kafkaError('cannot initialise the transactional producer', err);
      });
      const offsets = await readSourceOffsets(kafka, this.options.offsetsTopic, this.options.connector);
      log.info({ positions: offsets.size }, 'source positions read from the offsets topic');
      started = true;
      await task.start(offsets);
      this.ready = true;
      const pollBackoff = new Backoff();
      while (!signal.aborted) {
        let records: SourceRecord[];
        try {
          records = await task.poll(signal);
          pollBackoff.reset();
        } catch (err) {
          // With a Kafka transaction open, its records cannot be re-read into it: abort and resume from Kafka.
          if (!isRetriable(err) || signal.aborted || open) throw err;
          const wait = pollBackoff.next();
          log.warn({ err: describeError(err), retryInMs: wait }, 'source poll failed, retrying');
          this.options.ctx.metrics.count('source_poll_errors_total');
          await sleep(wait, signal);
          continue;
        }
        if (records.length === 0) {
          if (!open) this.workSince = null; // caught up
          continue;
        }
        this.noteWork();
        open ??= await this.begin(producer);
        await this.send(open, serde, records, log);
        if (records.at(-1)?.inTransaction) continue; // the source transaction goes on: keep the Kafka one open
        const metadata = await this.commit(open);
        open = undefined;
        this.workSince = null;
        progressed();
        await task.commit(records, metadata);
      }
    } catch (err) {
      if (open) await open.tx.abort().catch(() => undefined);
      throw err;
    } finally {
      this.ready = false;
      if (started) await task.stop().catch((err: unknown) => log.error({ err: describeError(err) }, 'source task stop failed'));
      await producer.disconnect().catch((err: unknown) => log.error({ err: describeError(err) }, 'producer disconnect failed'));
    }
  }

  private async begin(producer: KafkaJS.Producer): Promise<OpenTransaction> {
    try {
      const tx = await producer.transaction();
      return { tx, started: this.options.ctx.now(), positions: new Map(), sent: 0, deadLettered: 0, filtered: 0, metadata: [] };
    } catch (err) {
      throw kafkaError('cannot begin a Kafka transaction', err);
    }
  }

  private async send(open: OpenTransaction, serde: AvroProducerSerde, records: readonly SourceRecord[], log: Logger): Promise<void> {
    const maxBytes = this.options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    const byTopic = new Map<string, KafkaJS.Message[]>();
    const deadLetters: KafkaJS.Message[] = [];
    for (const record of records) {
      if (!record.inTransaction) {
        open.positions.set(offsetKey(this.options.connector, record.sourcePartition), JSON.stringify(record.sourceOffset));
      }
      if (record.positionOnly) continue;
      if (record.failure) {
        log.error({ err: record.failure.message, position: record.sourceOffset }, 'row cannot be converted: dead-lettered');
        deadLetters.push(sourceDeadLetter(record, new DataError(record.failure.message)));
        continue;
      }
      let transformed: SourceRecord | null;
      try {
        transformed = applyTransforms(this.options.transforms ?? [], record);
      } catch (err) {
        const reason = transformFailure(err);
        log.error({ err: reason.message, position: record.sourceOffset }, 'record cannot be transformed: dead-lettered');
        deadLetters.push(sourceDeadLetter(record, reason));
        continue;
      }
      if (transformed === null) {
        open.filtered++;
        continue;
      }
      try {
        const key =
          transformed.key === null || transformed.keySchema === null ? null : await serde.serialize(transformed.topic, 'key', transformed.keySchema, transformed.key);
        const value =
          transformed.value === null ? null : await serde.serialize(transformed.topic, 'value', transformed.valueSchema, transformed.value);
        const size = (key?.length ?? 0) + (value?.length ?? 0) + headerBytes(transformed.headers);
        if (size > maxBytes) {
          throw new DataError(`record of ${size} bytes is larger than the largest record Kafka takes (${maxBytes} bytes)`);
        }
        const messages = byTopic.get(transformed.topic) ?? [];
        messages.push({
          key,
          value,
          ...(transformed.timestampMs === undefined ? {} : { timestamp: String(transformed.timestampMs) }),
          ...(transformed.headers ? { headers: transformed.headers } : {}),
        });
        byTopic.set(transformed.topic, messages);
        open.sent++;
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
        log.error({ err: err.message, position: record.sourceOffset }, 'record cannot be produced: dead-lettered');
        deadLetters.push(sourceDeadLetter(record, err));
      }
    }
    open.metadata = [];
    await this.ensureDataTopics([...byTopic.keys()]);
    try {
      for (const [topic, messages] of byTopic) {
        for (let i = 0; i < messages.length; i += SEND_CHUNK) {
          const result = await open.tx.send({ topic, messages: messages.slice(i, i + SEND_CHUNK) });
          for (const m of result) open.metadata.push({ topic: m.topicName, partition: m.partition, offset: m.baseOffset ?? '-1' });
        }
      }
      if (deadLetters.length > 0) await open.tx.send({ topic: this.options.deadLetterTopic, messages: deadLetters });
    } catch (err) {
      throw kafkaError('Kafka transaction failed', err);
    }
    open.deadLettered += deadLetters.length;
  }

  /** A table (or a route) met for the first time gets its topic before anything is sent to it. */
  private async ensureDataTopics(topics: readonly string[]): Promise<void> {
    const missing = topics.filter((t) => !this.knownTopics.has(t));
    if (missing.length === 0 || !this.client) return;
    const numPartitions = this.options.newTopicPartitions ?? 3;
    try {
      await ensureTopics(this.client, missing.map((topic) => ({ topic, numPartitions })));
    } catch (err) {
      throw kafkaError(`cannot create topic(s) ${missing.join(', ')}`, err);
    }
    for (const t of missing) this.knownTopics.add(t);
  }

  private async commit(open: OpenTransaction): Promise<RecordMetadata[]> {
    const { ctx } = this.options;
    try {
      if (open.positions.size > 0) {
        await open.tx.send({
          topic: this.options.offsetsTopic,
          messages: [...open.positions].map(([key, value]) => ({ key, value })),
        });
      }
      await open.tx.commit();
    } catch (err) {
      throw kafkaError('Kafka transaction failed', err);
    }
    this.stats.records += open.sent;
    this.stats.transactions++;
    this.stats.deadLettered += open.deadLettered;
    this.stats.lastCommitAt = ctx.now();
    ctx.metrics.count('source_records_total', open.sent);
    ctx.metrics.count('source_dead_letter_total', open.deadLettered);
    ctx.metrics.count('source_filtered_total', open.filtered);
    ctx.metrics.observe('source_transaction_seconds', (ctx.now() - open.started) / 1000);
    return open.metadata;
  }
}

/** librdkafka's ERR__FENCED, and the broker's INVALID_PRODUCER_EPOCH and PRODUCER_FENCED. */
const FENCED_CODES = new Set([-144, 47, 90]);

/** A Kafka failure as the worker treats it: fenced and fatal errors stop; anything else is waited out. */
function kafkaError(what: string, err: unknown): CdcError {
  if (err instanceof CdcError) return err;
  const e = err as { fatal?: boolean; code?: number; message?: string };
  const fenced = FENCED_CODES.has(e.code ?? 0) || /fenced/i.test(e.message ?? '');
  if (fenced) return new FencedError(`${what}: another producer with the same transactional id took over (${describeError(err)})`, { cause: err });
  // A fatal producer error is retried too: each session starts a new producer.
  return new CdcError('CONNECTION_FAILED', `${what}: ${e.fatal ? 'fatal producer error: ' : ''}${describeError(err)}`, { cause: err, retriable: true });
}

function headerBytes(headers: Record<string, string> | undefined): number {
  if (!headers) return 0;
  let n = 0;
  for (const [k, v] of Object.entries(headers)) n += k.length + v.length;
  return n;
}

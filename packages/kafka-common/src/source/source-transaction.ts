import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { RecordMetadata } from '@buyonline/connect-api';
import { CdcError, describeError, FencedError } from '@buyonline/connect-api';
import type { ProducerTransaction, TransactionalProducer } from './native-transactional-producer.ts';
import type { PreparedBatch } from './source-batch.ts';

/** Messages per produce call. */
const SEND_CHUNK = 5_000;
/**
 * Messages produced and not yet acknowledged by the broker, at most: beyond it the transaction
 * waits for deliveries first, so librdkafka's queue (100,000 messages) never fills while one
 * large source transaction streams through one Kafka transaction.
 */
const MAX_UNDELIVERED = 10_000;
/**
 * Bytes (keys and values) produced and not yet acknowledged, at most, unless set: librdkafka
 * copies each message and holds it until its delivery (up to 1 GB by default), so 10,000
 * records just under 1 MB would hold 10 GB.
 */
export const DEFAULT_MAX_UNDELIVERED_BYTES = 16 * 1024 * 1024;

const messageBytes = (m: KafkaJS.Message): number => (m.key?.length ?? 0) + (m.value?.length ?? 0);

/**
 * A Kafka transaction of the source worker: the records of one or more polls and the positions
 * of the source transactions they close. Records are produced without waiting for each
 * delivery (the produce calls keep their order); `close` adds the positions and waits until
 * everything is delivered, `commit` ends the transaction.
 */
export class SourceTransaction {
  /** Offsets-topic key → position (JSON), the last one per source partition. */
  readonly positions = new Map<string, string>();
  sent = 0;
  deadLettered = 0;
  /** Records a transform dropped. */
  filtered = 0;
  /** Per data topic: records and bytes (key + value) produced into this transaction. */
  readonly topics = new Map<string, { records: number; bytes: number }>();
  /** Dead letters per reason (error code); empty in the usual case. */
  readonly deadLetterReasons = new Map<string, number>();
  private deliveries: Promise<RecordMetadata[]>[] = [];
  private undelivered = 0;
  private undeliveredBytes = 0;
  /** Per topic partition, where this transaction's first record in it went (produce order is kept per partition). */
  private readonly metadata = new Map<string, RecordMetadata>();

  private constructor(
    private readonly tx: ProducerTransaction,
    /** When it began (ms). */
    readonly started: number,
    private readonly maxUndeliveredBytes: number,
  ) {}

  static async begin(producer: TransactionalProducer, now: number, maxUndeliveredBytes = DEFAULT_MAX_UNDELIVERED_BYTES): Promise<SourceTransaction> {
    try {
      return new SourceTransaction(await producer.transaction(), now, maxUndeliveredBytes);
    } catch (err) {
      throw kafkaError('cannot begin a Kafka transaction', err);
    }
  }

  /** Produces a prepared batch into this transaction. */
  async add(batch: PreparedBatch, deadLetterTopic: string): Promise<void> {
    try {
      for (const [topic, messages] of batch.byTopic) await this.produceInChunks(topic, messages, true);
      if (batch.deadLetters.length > 0) await this.produceInChunks(deadLetterTopic, batch.deadLetters, false);
    } catch (err) {
      throw kafkaError('Kafka transaction failed', err);
    }
    for (const [key, position] of batch.positions) this.positions.set(key, position);
    this.count(batch);
    this.sent += batch.sent;
    this.deadLettered += batch.deadLetters.length;
    this.filtered += batch.filtered;
  }

  /** Records and bytes per topic, dead letters per reason: counted per batch, for the metrics of the commit. */
  private count(batch: PreparedBatch): void {
    for (const [topic, messages] of batch.byTopic) {
      let bytes = 0;
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i] as KafkaJS.Message;
        bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
      }
      const counts = this.topics.get(topic);
      if (counts) {
        counts.records += messages.length;
        counts.bytes += bytes;
      } else this.topics.set(topic, { records: messages.length, bytes });
    }
    for (const letter of batch.deadLetters) {
      const reason = String(letter.headers?.['dlq.error.code'] ?? 'unknown');
      this.deadLetterReasons.set(reason, (this.deadLetterReasons.get(reason) ?? 0) + 1);
    }
  }

  /**
   * No more records: the positions go in with them, and every record is delivered (acknowledged
   * by its partition leader). Only then may another producer's transaction send after it.
   */
  async close(offsetsTopic: string): Promise<void> {
    try {
      if (this.positions.size > 0) {
        const positions = [...this.positions].map(([key, value]) => ({ key, value }));
        await this.produce(offsetsTopic, positions, positions.reduce((n, m) => n + m.key.length + m.value.length, 0), false);
      }
      await this.delivered();
    } catch (err) {
      throw kafkaError('Kafka transaction failed', err);
    }
  }

  /** Commits (after `close`); where the data records went: per topic partition, the first offset (one entry each, however many polls filled it). */
  async commit(): Promise<RecordMetadata[]> {
    try {
      await this.tx.commit();
    } catch (err) {
      throw kafkaError('Kafka transaction failed', err);
    }
    return [...this.metadata.values()];
  }

  async abort(): Promise<void> {
    await this.tx.abort().catch(() => undefined);
    await Promise.allSettled(this.deliveries);
  }

  /** In produce calls of at most SEND_CHUNK messages and a fourth of the undelivered bytes allowed. */
  private async produceInChunks(topic: string, messages: KafkaJS.Message[], data: boolean): Promise<void> {
    const chunkBytes = this.maxUndeliveredBytes / 4;
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < messages.length; i++) {
      bytes += messageBytes(messages[i] as KafkaJS.Message);
      if (i + 1 === messages.length || i + 1 - start >= SEND_CHUNK || bytes >= chunkBytes) {
        await this.produce(topic, start === 0 && i + 1 === messages.length ? messages : messages.slice(start, i + 1), bytes, data);
        start = i + 1;
        bytes = 0;
      }
    }
  }

  private async produce(topic: string, messages: KafkaJS.Message[], bytes: number, data: boolean): Promise<void> {
    if (this.undelivered + messages.length > MAX_UNDELIVERED || this.undeliveredBytes + bytes > this.maxUndeliveredBytes) await this.delivered();
    // send() hands every message to librdkafka before its first await: calls keep their order.
    const delivery = this.tx.send({ topic, messages }).then((result) =>
      data ? result.map((m) => ({ topic: m.topicName, partition: m.partition, offset: m.baseOffset ?? '-1' })) : [],
    );
    delivery.catch(() => undefined); // awaited by delivered(); a failure also fails the commit
    this.deliveries.push(delivery);
    this.undelivered += messages.length;
    this.undeliveredBytes += bytes;
  }

  private async delivered(): Promise<void> {
    const pending = this.deliveries;
    this.deliveries = [];
    this.undelivered = 0;
    this.undeliveredBytes = 0;
    for (const result of await Promise.all(pending)) {
      for (const m of result) {
        const key = `${m.partition}:${m.topic}`;
        if (!this.metadata.has(key)) this.metadata.set(key, m);
      }
    }
  }
}

/** librdkafka's ERR__FENCED, and the broker's INVALID_PRODUCER_EPOCH and PRODUCER_FENCED. */
const FENCED_CODES = new Set([-144, 47, 90]);

/** A Kafka failure as the worker treats it: fenced and fatal errors stop; anything else is waited out. */
export function kafkaError(what: string, err: unknown): CdcError {
  if (err instanceof CdcError) return err;
  // KafkaJS-style errors say `fatal`, librdkafka's own (LibrdKafkaError) `isFatal`.
  const e = err as { fatal?: boolean; isFatal?: boolean; code?: number; message?: string };
  const fenced = FENCED_CODES.has(e.code ?? 0) || /fenced/i.test(e.message ?? '');
  if (fenced) return new FencedError(`${what}: another producer with the same transactional id took over (${describeError(err)})`, { cause: err });
  // A fatal producer error is retried too: each session starts a new producer.
  return new CdcError('CONNECTION_FAILED', `${what}: ${e.fatal || e.isFatal ? 'fatal producer error: ' : ''}${describeError(err)}`, { cause: err, retriable: true });
}

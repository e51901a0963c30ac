import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { Backoff, sleep } from './backoff.ts';
import type { KafkaConfig } from './config.ts';
import type { PluginContext, RecordMetadata, SourceRecord, SourceTask } from './connector-api.ts';
import { CdcError, DataError, describeError, isRetriable } from './errors.ts';
import { safeJson } from './json.ts';
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
  /** Data topics to create when missing. */
  topics: readonly TopicSpec[];
  /** Stable per connector instance: a restarted producer fences its predecessor. */
  transactionalId: string;
  ctx: PluginContext;
}

export interface SourceWorkerStats {
  records: number;
  transactions: number;
  deadLettered: number;
  lastCommitAt: number | null;
}

/**
 * poll → serialize → one Kafka transaction holding the records and the source position →
 * commit → tell the task (which may then acknowledge its position upstream).
 */
export class SourceWorker {
  readonly stats: SourceWorkerStats = { records: 0, transactions: 0, deadLettered: 0, lastCommitAt: null };
  private producer: KafkaJS.Producer | undefined;
  private ready = false;

  constructor(private readonly options: SourceWorkerOptions) {}

  isReady(): boolean {
    return this.ready;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { ctx, task, kafka } = this.options;
    const log = ctx.logger.child({ component: 'source-worker', connector: this.options.connector });
    const client = createKafka(kafka, log);
    await ensureTopics(client, [
      ...this.options.topics,
      {
        topic: this.options.offsetsTopic,
        numPartitions: 1,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
      { topic: this.options.deadLetterTopic, numPartitions: 1 },
    ]);

    const producer = client.producer({
      kafkaJS: { transactionalId: this.options.transactionalId, idempotent: true, maxInFlightRequests: 5 },
      'transaction.timeout.ms': 60_000,
      'linger.ms': 5,
    });
    this.producer = producer;
    // connect() initialises transactions: a crashed predecessor's open transaction is aborted
    // and a zombie with the same transactional id is fenced from now on.
    await producer.connect();
    try {
      const offsets = await readSourceOffsets(kafka, this.options.offsetsTopic, this.options.connector);
      log.info({ positions: offsets.size }, 'source positions read from the offsets topic');
      const serde = new AvroProducerSerde(createRegistryClient(this.options.registryUrl));
      await task.start(offsets);
      this.ready = true;
      const backoff = new Backoff();
      while (!signal.aborted) {
        let records: SourceRecord[];
        try {
          records = await task.poll(signal);
          backoff.reset();
        } catch (err) {
          if (!isRetriable(err) || signal.aborted) throw err;
          const wait = backoff.next();
          log.warn({ err: describeError(err), retryInMs: wait }, 'source poll failed, retrying');
          ctx.metrics.count('source_poll_errors_total');
          await sleep(wait, signal);
          continue;
        }
        if (records.length === 0) continue;
        await this.produce(producer, serde, records, log);
      }
    } finally {
      this.ready = false;
      await task.stop().catch((err: unknown) => log.error({ err: describeError(err) }, 'source task stop failed'));
      await producer.disconnect().catch((err: unknown) => log.error({ err: describeError(err) }, 'producer disconnect failed'));
    }
  }

  private async produce(
    producer: KafkaJS.Producer,
    serde: AvroProducerSerde,
    records: readonly SourceRecord[],
    log: PluginContext['logger'],
  ): Promise<void> {
    const { ctx } = this.options;
    const started = ctx.now();
    const byTopic = new Map<string, KafkaJS.Message[]>();
    const deadLetters: KafkaJS.Message[] = [];
    const sent: SourceRecord[] = [];
    for (const record of records) {
      if (record.failure) {
        log.error({ err: record.failure.message, position: record.sourceOffset }, 'row cannot be converted: dead-lettered');
        deadLetters.push(deadLetterMessage(record, new DataError(record.failure.message)));
        continue;
      }
      try {
        const key = await serde.serialize(record.topic, 'key', record.keySchema, record.key);
        const value =
          record.value === null ? null : await serde.serialize(record.topic, 'value', record.valueSchema, record.value);
        const messages = byTopic.get(record.topic) ?? [];
        messages.push({
          key,
          value,
          ...(record.timestampMs === undefined ? {} : { timestamp: String(record.timestampMs) }),
          ...(record.headers ? { headers: record.headers } : {}),
        });
        byTopic.set(record.topic, messages);
        sent.push(record);
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
        log.error({ err: err.message, position: record.sourceOffset }, 'record cannot be serialized: dead-lettered');
        deadLetters.push(deadLetterMessage(record, err));
      }
    }

    const positions = new Map<string, string>();
    for (const record of records) {
      positions.set(offsetKey(this.options.connector, record.sourcePartition), JSON.stringify(record.sourceOffset));
    }

    const tx = await producer.transaction();
    const metadata: RecordMetadata[] = [];
    try {
      for (const [topic, messages] of byTopic) {
        const result = await tx.send({ topic, messages });
        for (const m of result) metadata.push({ topic: m.topicName, partition: m.partition, offset: m.baseOffset ?? '-1' });
      }
      if (deadLetters.length > 0) await tx.send({ topic: this.options.deadLetterTopic, messages: deadLetters });
      await tx.send({
        topic: this.options.offsetsTopic,
        messages: [...positions].map(([key, value]) => ({ key, value })),
      });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err instanceof CdcError ? err : new CdcError('CONNECTION_FAILED', `Kafka transaction failed: ${describeError(err)}`, { cause: err, retriable: true });
    }
    this.stats.records += sent.length;
    this.stats.transactions++;
    this.stats.deadLettered += deadLetters.length;
    this.stats.lastCommitAt = ctx.now();
    ctx.metrics.count('source_records_total', sent.length);
    ctx.metrics.count('source_dead_letter_total', deadLetters.length);
    ctx.metrics.observe('source_transaction_seconds', (ctx.now() - started) / 1000);
    await this.options.task.commit(records, metadata);
  }
}

function deadLetterMessage(record: SourceRecord, err: CdcError): KafkaJS.Message {
  return {
    key: safeJson(record.key),
    value: safeJson({ key: record.key, value: record.value, sourceOffset: record.sourceOffset }),
    headers: {
      'dlq.error.code': err.code,
      'dlq.error.message': err.message,
      'dlq.topic': record.topic,
      'dlq.source.position': JSON.stringify(record.sourceOffset),
    },
  };
}

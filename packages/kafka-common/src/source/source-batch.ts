import type { Logger, SourcePartition, SourceRecord, Transform } from '@buyonline/connect-api';
import { DataError } from '@buyonline/connect-api';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { AvroProducerSerde } from '../serde/avro-producer-serde.ts';
import { applyTransforms, transformFailure } from '../shared/transform-chain.ts';
import { offsetKey } from './offset-key.ts';
import { sourceDeadLetter } from './source-dead-letter.ts';

/** One poll's records, ready to produce: serialized per topic, dead letters, and the positions they close. */
export interface PreparedBatch {
  byTopic: Map<string, KafkaJS.Message[]>;
  deadLetters: KafkaJS.Message[];
  /** Offsets-topic key → stored position (JSON), the last closed position per source partition. */
  positions: Map<string, string>;
  sent: number;
  /** Records a transform dropped. */
  filtered: number;
}

export interface BatchPreparerOptions {
  connector: string;
  serde: AvroProducerSerde;
  transforms: readonly Transform[];
  /** A record larger than this (key + value + headers) is dead-lettered. */
  maxRecordBytes: number;
  log: Logger;
}

/**
 * Source records → Kafka messages: transforms, Avro serialization, the size check, and the
 * dead letters of records that cannot be produced. Pure CPU work once the schemas are
 * registered, so the worker runs it while the previous Kafka transaction commits.
 */
export class BatchPreparer {
  constructor(private readonly options: BatchPreparerOptions) {}

  async prepare(records: readonly SourceRecord[]): Promise<PreparedBatch> {
    const batch: PreparedBatch = { byTopic: new Map(), deadLetters: [], positions: new Map(), sent: 0, filtered: 0 };
    // Only the last closed position of each source partition is stored: found by the partition object, rendered once.
    const lastClosed = new Map<SourcePartition, number>();
    // The messages of the topic of the record before (a batch is mostly one table's): no map look-up per record.
    let topic: string | undefined;
    let messages: KafkaJS.Message[] = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as SourceRecord;
      if (!record.inTransaction) lastClosed.set(record.sourcePartition, i);
      if (record.positionOnly) continue;
      const transformed = this.transformed(record, batch);
      if (transformed === null) continue;
      // Encoded at once when the schemas are registered (no promise per record); registered first otherwise.
      let message = this.messageOf(record, transformed, batch);
      if (message === undefined) message = await this.registeredMessage(record, transformed, batch);
      if (message === null) continue;
      if (transformed.topic !== topic) {
        topic = transformed.topic;
        let list = batch.byTopic.get(topic);
        if (!list) {
          list = [];
          batch.byTopic.set(topic, list);
        }
        messages = list;
      }
      messages.push(message);
      batch.sent++;
    }
    // In record order, so that of two equal partitions (distinct objects) the later position wins.
    for (const i of [...lastClosed.values()].sort((a, b) => a - b)) {
      const record = records[i] as SourceRecord;
      batch.positions.set(offsetKey(this.options.connector, record.sourcePartition), JSON.stringify(record.sourceOffset));
    }
    return batch;
  }

  /** The record after the transforms; null when a transform dropped it (counted) or it was dead-lettered (kept in the batch). */
  private transformed(record: SourceRecord, batch: PreparedBatch): SourceRecord | null {
    const { log } = this.options;
    if (record.failure) {
      log.error({ err: record.failure.message, position: record.sourceOffset }, 'row cannot be converted: dead-lettered');
      batch.deadLetters.push(sourceDeadLetter(record, new DataError(record.failure.message)));
      return null;
    }
    if (this.options.transforms.length === 0) return record;
    try {
      const transformed = applyTransforms(this.options.transforms, record);
      if (transformed === null) batch.filtered++;
      return transformed;
    } catch (err) {
      const reason = transformFailure(err);
      log.error({ err: reason.message, position: record.sourceOffset }, 'record cannot be transformed: dead-lettered');
      batch.deadLetters.push(sourceDeadLetter(record, reason));
      return null;
    }
  }

  /** The message once its schemas are registered for its topic (waiting out a registry outage). */
  private async registeredMessage(record: SourceRecord, transformed: SourceRecord, batch: PreparedBatch): Promise<KafkaJS.Message | null> {
    const { serde } = this.options;
    const { topic, keySchema, valueSchema } = transformed;
    if (transformed.key !== null && keySchema !== null) await serde.makeKnown(topic, 'key', keySchema);
    if (transformed.value !== null) await serde.makeKnown(topic, 'value', valueSchema);
    const message = this.messageOf(record, transformed, batch);
    if (message === undefined) throw new Error(`schemas of topic ${topic} not known after they were registered`);
    return message;
  }

  /**
   * The Kafka message of a transformed record; null when it was dead-lettered (a value Avro
   * cannot encode, a record too large: kept in the batch); undefined when a schema is not
   * registered for the topic yet.
   */
  private messageOf(record: SourceRecord, transformed: SourceRecord, batch: PreparedBatch): KafkaJS.Message | null | undefined {
    const { serde } = this.options;
    const { topic, keySchema, valueSchema } = transformed;
    try {
      const key = transformed.key === null || keySchema === null ? null : serde.serializeKnown(topic, 'key', keySchema, transformed.key);
      if (key === undefined) return undefined;
      const value = transformed.value === null ? null : serde.serializeKnown(topic, 'value', valueSchema, transformed.value);
      if (value === undefined) return undefined;
      const size = (key?.length ?? 0) + (value?.length ?? 0) + headerBytes(transformed.headers);
      if (size > this.options.maxRecordBytes) {
        throw new DataError(`record of ${size} bytes is larger than the largest record Kafka takes (${this.options.maxRecordBytes} bytes)`);
      }
      const message: KafkaJS.Message = { key, value };
      if (transformed.timestampMs !== undefined) message.timestamp = String(transformed.timestampMs);
      if (transformed.headers) message.headers = transformed.headers;
      return message;
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      this.options.log.error({ err: err.message, position: record.sourceOffset }, 'record cannot be produced: dead-lettered');
      batch.deadLetters.push(sourceDeadLetter(record, err));
      return null;
    }
  }
}

function headerBytes(headers: Record<string, string> | undefined): number {
  if (!headers) return 0;
  let n = 0;
  for (const [k, v] of Object.entries(headers)) n += k.length + v.length;
  return n;
}

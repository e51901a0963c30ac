import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger, SourcePartition, SourceRecord, Transform } from '@buyonline/connect-api';
import { DataError } from '@buyonline/connect-api';
import { sourceDeadLetter } from './source-dead-letter.ts';
import { offsetKey } from './offset-key.ts';
import type { AvroProducerSerde } from '../serde/avro-producer-serde.ts';
import { applyTransforms, transformFailure } from '../shared/transform-chain.ts';

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
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as SourceRecord;
      if (!record.inTransaction) lastClosed.set(record.sourcePartition, i);
      if (record.positionOnly) continue;
      const message = await this.message(record);
      if (message === null) batch.filtered++;
      else if ('deadLetter' in message) batch.deadLetters.push(message.deadLetter);
      else {
        let messages = batch.byTopic.get(message.topic);
        if (!messages) {
          messages = [];
          batch.byTopic.set(message.topic, messages);
        }
        messages.push(message.message);
        batch.sent++;
      }
    }
    // In record order, so that of two equal partitions (distinct objects) the later position wins.
    for (const i of [...lastClosed.values()].sort((a, b) => a - b)) {
      const record = records[i] as SourceRecord;
      batch.positions.set(offsetKey(this.options.connector, record.sourcePartition), JSON.stringify(record.sourceOffset));
    }
    return batch;
  }

  /** The record's message; its dead letter when it cannot be produced; null when a transform dropped it. */
  private async message(record: SourceRecord): Promise<{ topic: string; message: KafkaJS.Message } | { deadLetter: KafkaJS.Message } | null> {
    const { log, serde } = this.options;
    if (record.failure) {
      log.error({ err: record.failure.message, position: record.sourceOffset }, 'row cannot be converted: dead-lettered');
      return { deadLetter: sourceDeadLetter(record, new DataError(record.failure.message)) };
    }
    let transformed: SourceRecord | null;
    try {
      transformed = this.options.transforms.length === 0 ? record : applyTransforms(this.options.transforms, record);
    } catch (err) {
      const reason = transformFailure(err);
      log.error({ err: reason.message, position: record.sourceOffset }, 'record cannot be transformed: dead-lettered');
      return { deadLetter: sourceDeadLetter(record, reason) };
    }
    if (transformed === null) return null;
    try {
      const { topic, keySchema, valueSchema } = transformed;
      const key =
        transformed.key === null || keySchema === null
          ? null
          : (serde.serializeKnown(topic, 'key', keySchema, transformed.key) ?? (await serde.serialize(topic, 'key', keySchema, transformed.key)));
      const value =
        transformed.value === null
          ? null
          : (serde.serializeKnown(topic, 'value', valueSchema, transformed.value) ?? (await serde.serialize(topic, 'value', valueSchema, transformed.value)));
      const size = (key?.length ?? 0) + (value?.length ?? 0) + headerBytes(transformed.headers);
      if (size > this.options.maxRecordBytes) {
        throw new DataError(`record of ${size} bytes is larger than the largest record Kafka takes (${this.options.maxRecordBytes} bytes)`);
      }
      const message: KafkaJS.Message = { key, value };
      if (transformed.timestampMs !== undefined) message.timestamp = String(transformed.timestampMs);
      if (transformed.headers) message.headers = transformed.headers;
      return { topic, message };
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      log.error({ err: err.message, position: record.sourceOffset }, 'record cannot be produced: dead-lettered');
      return { deadLetter: sourceDeadLetter(record, err) };
    }
  }
}

function headerBytes(headers: Record<string, string> | undefined): number {
  if (!headers) return 0;
  let n = 0;
  for (const [k, v] of Object.entries(headers)) n += k.length + v.length;
  return n;
}

import type { CdcError, Metrics, SinkRecord, SinkTask, Transform } from '@buyonline/connect-api';
import { DataError } from '@buyonline/connect-api';
import type { ConsumedMessage } from './sink-dead-letter.ts';
import type { PartitionTracker } from './partition-tracker.ts';
import { applyTransforms, transformFailure } from '../shared/transform-chain.ts';

export interface RecordDeliveryOptions {
  task: Pick<SinkTask, 'put'>;
  tracker: PartitionTracker;
  decoder: { decodeKnown(m: ConsumedMessage): SinkRecord | undefined; decode(m: ConsumedMessage, signal: AbortSignal): Promise<SinkRecord> };
  deadLetters: { report(m: ConsumedMessage, err: CdcError): Promise<void> };
  /** Applied in order to every decoded record before `put`; a transform may drop a record (null). */
  transforms: readonly Transform[];
  metrics: Metrics;
}

/**
 * Consumed messages → the task: decode, transform, put. Every message handled counts as
 * consumed (its offset may commit once the task says the batch is durable): a record put, a
 * record a transform dropped, and a record dead-lettered (it cannot be decoded, or a transform
 * threw) alike. Messages of partitions no longer ours, or before a recovered start, are skipped.
 */
export class RecordDelivery {
  private put = 0;
  private dropped = 0;

  constructor(private readonly options: RecordDeliveryOptions) {}

  /** Records handed to the task. */
  get records(): number {
    return this.put;
  }

  /** Records a transform dropped. */
  get filtered(): number {
    return this.dropped;
  }

  async deliver(messages: readonly ConsumedMessage[], signal: AbortSignal): Promise<void> {
    const { tracker, task, metrics } = this.options;
    const records: SinkRecord[] = [];
    for (const m of messages) {
      if (!tracker.wants(m)) continue;
      // Known schemas decode on the spot; a first schema id, a poison record or an outage takes the slow path.
      const known = this.prepareKnown(m);
      const record = known === undefined ? await this.prepare(m, signal) : known;
      if (record) records.push(record);
      tracker.markConsumed(m);
    }
    if (records.length > 0) {
      await task.put(records);
      this.put += records.length;
      metrics.count('sink_records_total', records.length);
    }
  }

  /** The record to put (null: a transform dropped it) when it decodes and transforms without a fault; else undefined. */
  private prepareKnown(m: ConsumedMessage): SinkRecord | null | undefined {
    let record: SinkRecord | undefined;
    try {
      record = this.options.decoder.decodeKnown(m);
    } catch {
      return undefined; // decoded again on the slow path, which dead-letters it with the reason
    }
    if (!record) return undefined;
    if (this.options.transforms.length === 0) return record;
    let transformed: SinkRecord | null;
    try {
      transformed = transformRecord(this.options.transforms, record);
    } catch {
      return undefined;
    }
    if (transformed === null) {
      this.dropped++;
      this.options.metrics.count('sink_filtered_total');
    }
    return transformed;
  }

  /** The record to put, or null when it was dead-lettered or dropped by a transform. */
  private async prepare(m: ConsumedMessage, signal: AbortSignal): Promise<SinkRecord | null> {
    let record: SinkRecord;
    try {
      record = await this.options.decoder.decode(m, signal);
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      await this.options.deadLetters.report(m, err);
      return null;
    }
    let transformed: SinkRecord | null;
    try {
      transformed = transformRecord(this.options.transforms, record);
    } catch (err) {
      await this.options.deadLetters.report(m, transformFailure(err));
      return null;
    }
    if (transformed === null) {
      this.dropped++;
      this.options.metrics.count('sink_filtered_total');
    }
    return transformed;
  }
}

/**
 * The record after the transform chain, or null when a transform dropped it. Its Kafka
 * coordinates must come out as they went in: they are where the record was read, and what
 * the task reports durable and the worker commits.
 */
function transformRecord(transforms: readonly Transform[], record: SinkRecord): SinkRecord | null {
  const current = applyTransforms(transforms, record);
  if (current === null) return null;
  if (current.topic !== record.topic || current.partition !== record.partition || current.offset !== record.offset) {
    throw new DataError(
      `a transform moved the record from ${record.topic}[${record.partition}]@${record.offset} to ${current.topic}[${current.partition}]@${current.offset}: ` +
        'in the sink a record stays where it was read (route topics in the source)',
    );
  }
  return current;
}

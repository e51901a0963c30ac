import { type AvroSchema, type OffsetReader, type PluginContext, type SourceRecord, type SourceTask, sleep } from '@buyonline/connect-api';
import type { CounterSourceConfig } from './config.ts';

const keySchema: AvroSchema = { type: 'record', name: 'CounterKey', namespace: 'com.acme.counter', fields: [{ name: 'n', type: 'long' }] };

/** A change envelope (op, before, after, source) like the postgres source's, so the stage sink writes a row per number. */
const valueSchema: AvroSchema = {
  type: 'record',
  name: 'CounterChange',
  namespace: 'com.acme.counter',
  fields: [
    { name: 'op', type: 'string' },
    { name: 'before', type: ['null', { type: 'record', name: 'Count', fields: [{ name: 'n', type: 'long' }, { name: 'at_ms', type: 'long' }] }], default: null },
    { name: 'after', type: ['null', 'Count'], default: null },
    { name: 'source', type: { type: 'record', name: 'CounterSource', fields: [{ name: 'connector', type: 'string' }, { name: 'counter', type: 'string' }] } },
  ],
};

/**
 * Counts up from the stored position. The worker stores each record's `sourceOffset` in Kafka in
 * the same transaction as the record, and hands it back through `start(offsets)` after a restart:
 * the task itself keeps nothing.
 */
export class CounterTask implements SourceTask {
  private next = 0;

  constructor(
    private readonly config: CounterSourceConfig,
    private readonly ctx: PluginContext,
  ) {}

  private get partition() {
    return { counter: this.config.counter };
  }

  async start(offsets: OffsetReader): Promise<void> {
    const stored = offsets.offset(this.partition)?.next;
    this.next = typeof stored === 'number' ? stored : 0;
    this.ctx.logger.info({ counter: this.config.counter, from: this.next }, 'counter starting');
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    await sleep(this.config.intervalMs, signal);
    const end = this.config.limit === undefined ? Number.POSITIVE_INFINITY : this.config.limit;
    const records: SourceRecord[] = [];
    while (records.length < this.config.batchSize && this.next < end && !signal.aborted) {
      const n = this.next++;
      records.push({
        topic: this.config.topic,
        sourcePartition: this.partition,
        sourceOffset: { next: n + 1 },
        keySchema,
        key: { n },
        valueSchema,
        value: { op: 'c', before: null, after: { n, at_ms: this.ctx.now() }, source: { connector: 'counter', counter: this.config.counter } },
      });
    }
    this.ctx.metrics.count('counter_records_total', records.length);
    return records;
  }

  /** Nothing upstream to acknowledge: a log-based source would confirm its position here. */
  async commit(): Promise<void> {}

  async stop(): Promise<void> {}
}

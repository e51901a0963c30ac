import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import type { PluginContext, TopicPartitionRef } from '@buyonline/connect-api';
import { watermarks } from '../shared/kafka-clients.ts';
import type { SinkMode } from './consumer-settings.ts';
import type { ConsumerPosition, PartitionTracker } from './partition-tracker.ts';

type StatusFields = Parameters<NonNullable<PluginContext['status']>['report']>[2];

export interface PartitionLagOptions {
  tracker: Pick<PartitionTracker, 'partitions' | 'position'>;
  /** The consumer's position of a partition; -1 when it has none. */
  consumerPosition: ConsumerPosition;
  mode: SinkMode;
  ctx: Pick<PluginContext, 'metrics' | 'status' | 'now'>;
}

/**
 * The sink's consumption per partition: records and bytes consumed, and the lag (in messages
 * and in seconds) of every assigned partition, as metrics and in the status.
 */
export class PartitionLag {
  /** Per partition (`topic:partition`): the Kafka timestamp of the last record consumed, and the last high watermark seen. */
  private readonly clocks = new Map<string, { lastTimestamp: number; high: number }>();
  private watermarkQuery: Promise<void> | undefined;

  constructor(private readonly options: PartitionLagOptions) {}

  /**
   * Per run of one partition in a consumed batch (not per record): its records and bytes per
   * topic, and the Kafka timestamp of its last record (what lag in seconds is measured from).
   */
  noteConsumed(messages: readonly Message[]): void {
    const { metrics } = this.options.ctx;
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i] as Message;
      bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
      const next = messages[i + 1];
      if (next !== undefined && next.partition === m.partition && next.topic === m.topic) continue;
      const key = `${m.topic}:${m.partition}`;
      const clock = this.clocks.get(key);
      const ts = m.timestamp ?? this.options.ctx.now();
      if (clock) clock.lastTimestamp = ts;
      else this.clocks.set(key, { lastTimestamp: ts, high: -1 });
      metrics.count('sink_consumed_records_total', i + 1 - start, { topic: m.topic });
      metrics.count('sink_consumed_bytes_total', bytes, { topic: m.topic });
      start = i + 1;
      bytes = 0;
    }
  }

  /**
   * Lag per assigned partition (high watermark − next offset to read; seconds since the last
   * record's timestamp while messages wait), as gauges and in the status; once per tick.
   * The high watermark is librdkafka's, cached from the last fetch; a query fills it in when
   * there is none yet.
   */
  report(consumer: KafkaConsumer, now: number): void {
    const { ctx, tracker } = this.options;
    let unknown = false;
    for (const tp of tracker.partitions()) {
      const key = `${tp.topic}:${tp.partition}`;
      let clock = this.clocks.get(key);
      if (!clock) {
        clock = { lastTimestamp: Number.NaN, high: -1 };
        this.clocks.set(key, clock);
      }
      const high = cachedHighWatermark(consumer, tp);
      if (high >= 0) clock.high = high;
      if (clock.high < 0) unknown = true;
      const position = tracker.position(tp, this.options.consumerPosition);
      const labels = { topic: tp.topic, partition: String(tp.partition) };
      const fields: StatusFields = { phase: this.options.mode, position: String(Math.max(position, 0)) };
      if (clock.high >= 0 && position >= 0) {
        const lag = Math.max(0, clock.high - position);
        const seconds = lag === 0 ? 0 : Number.isNaN(clock.lastTimestamp) ? null : Math.max(0, now - clock.lastTimestamp) / 1000;
        fields.done = position;
        fields.total = clock.high;
        fields.lagMessages = lag;
        fields.lagSeconds = seconds;
        ctx.metrics.gauge('sink_consumer_lag_messages', lag, labels);
        if (seconds !== null) ctx.metrics.gauge('sink_consumer_lag_seconds', seconds, labels);
      }
      ctx.status?.report('partition', `${tp.topic}[${tp.partition}]`, fields);
    }
    if (unknown && !this.watermarkQuery) this.watermarkQuery = this.queryWatermarks(consumer).finally(() => (this.watermarkQuery = undefined));
  }

  /** High watermarks of the assigned partitions that librdkafka has none cached for. */
  private async queryWatermarks(consumer: KafkaConsumer): Promise<void> {
    for (const tp of this.options.tracker.partitions()) {
      const clock = this.clocks.get(`${tp.topic}:${tp.partition}`);
      if (!clock || clock.high >= 0) continue;
      try {
        clock.high = (await watermarks(consumer, tp.topic, tp.partition, 2_000)).high;
      } catch {
        return; // asked again at the next tick
      }
    }
  }
}

/** librdkafka's high watermark of a partition, cached from its last fetch; -1 before any (the lag queries it then). */
function cachedHighWatermark(consumer: KafkaConsumer, tp: TopicPartitionRef): number {
  try {
    return consumer.getWatermarkOffsets(tp.topic, tp.partition).highOffset;
  } catch {
    return -1; // nothing fetched from the partition yet
  }
}

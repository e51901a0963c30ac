import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import type { TopicPartitionRef } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { describe, expect, it } from 'vitest';
import { PartitionLag } from './partition-lag.ts';

const message = (partition: number, offset: number, timestamp: number): Message =>
  ({ topic: 't', partition, offset, timestamp, key: Buffer.from('k'), value: Buffer.from('value'), size: 5 }) as Message;

/** A lag over partitions 0 and 1 of `t`, at the given positions, with what it reports. */
function lagOf(positions: Record<number, number>, now: number) {
  const counted: [string, number, Record<string, string> | undefined][] = [];
  const gauges: [string, number, Record<string, string> | undefined][] = [];
  const reported: [string, string, unknown][] = [];
  const ctx = noopContext(() => now);
  const lag = new PartitionLag({
    tracker: {
      partitions: () => [0, 1].map((partition) => ({ topic: 't', partition })),
      position: (tp: TopicPartitionRef) => positions[tp.partition] ?? -1,
    },
    consumerPosition: () => -1,
    mode: 'stream',
    ctx: {
      now: ctx.now,
      metrics: { ...ctx.metrics, count: (n, v, l) => counted.push([n, v ?? 1, l]), gauge: (n, v, l) => gauges.push([n, v, l]) },
      status: { report: (kind, name, fields) => reported.push([kind, name, fields]) },
    },
  });
  return { lag, counted, gauges, reported };
}

describe('PartitionLag', () => {
  it('counts records and bytes once per run of a partition in a consumed batch', () => {
    const { lag, counted } = lagOf({}, 0);
    lag.noteConsumed([message(0, 0, 1), message(0, 1, 2), message(1, 0, 3), message(0, 2, 4)]);
    expect(counted).toEqual([
      ['sink_consumed_records_total', 2, { topic: 't' }],
      ['sink_consumed_bytes_total', 12, { topic: 't' }],
      ['sink_consumed_records_total', 1, { topic: 't' }],
      ['sink_consumed_bytes_total', 6, { topic: 't' }],
      ['sink_consumed_records_total', 1, { topic: 't' }],
      ['sink_consumed_bytes_total', 6, { topic: 't' }],
    ]);
  });

  it('reports each partition: lag in messages from the high watermark, in seconds from the last record consumed', () => {
    const { lag, gauges, reported } = lagOf({ 0: 7, 1: 10 }, 20_000);
    lag.noteConsumed([message(0, 6, 5_000), message(1, 9, 19_000)]);
    const consumer = { getWatermarkOffsets: () => ({ lowOffset: 0, highOffset: 10 }) } as unknown as KafkaConsumer;
    lag.report(consumer, 20_000);
    expect(gauges).toEqual([
      ['sink_consumer_lag_messages', 3, { topic: 't', partition: '0' }],
      ['sink_consumer_lag_seconds', 15, { topic: 't', partition: '0' }],
      ['sink_consumer_lag_messages', 0, { topic: 't', partition: '1' }],
      ['sink_consumer_lag_seconds', 0, { topic: 't', partition: '1' }],
    ]);
    expect(reported).toEqual([
      ['partition', 't[0]', { phase: 'stream', position: '7', done: 7, total: 10, lagMessages: 3, lagSeconds: 15 }],
      ['partition', 't[1]', { phase: 'stream', position: '10', done: 10, total: 10, lagMessages: 0, lagSeconds: 0 }],
    ]);
  });
});

import type { KafkaConsumer } from '@confluentinc/kafka-javascript';

/** Bytes of records fetched ahead, at most, unless the worker is told otherwise. */
export const DEFAULT_PREFETCH_BYTES = 8 * 1024 * 1024;

export type SinkMode = 'stream' | 'batch';

/**
 * librdkafka's settings of the sink worker's group consumer, on top of what every consumer of
 * ours has (`createRawConsumer`: read_committed, no automatic commit or offset store, earliest).
 */
export function sinkConsumerSettings(groupId: string, prefetchBytes = DEFAULT_PREFETCH_BYTES): Record<string, unknown> {
  return {
    'group.id': groupId,
    'partition.assignment.strategy': 'range',
    'fetch.wait.max.ms': 100,
    // Prefetch bounded in bytes (librdkafka's default holds 64 MB per consumer, and a fetch may
    // bring 50 MB): a few thousand records per partition keep the pipeline busy at a fraction of that.
    'queued.max.messages.kbytes': Math.max(1, Math.floor(prefetchBytes / 1024)),
    'fetch.max.bytes': prefetchBytes,
    // Once that prefetch is full, librdkafka waits this long before fetching again (1 s by
    // default): the queue ran dry for most of every second of a drain at 50,000 records/s.
    'fetch.queue.backoff.ms': 20,
    'session.timeout.ms': 10_000,
    'heartbeat.interval.ms': 1_000,
    // A subscribed topic created after we started is noticed within seconds, not minutes.
    'topic.metadata.refresh.interval.ms': 5_000,
  };
}

/** How the connected consumer's consume calls wait, per mode. */
export function tuneConsumeCalls(consumer: KafkaConsumer, mode: SinkMode): void {
  // consume(n) returns what is there once a first message came, instead of waiting up to the
  // timeout for each of the n: a light stream reaches the stage without a second's delay.
  (consumer as KafkaConsumer & { setDefaultIsTimeoutOnlyForFirstMessage(on: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
  // A batch run ends once every partition's position reached its end offset; the last step
  // there is often only a transaction marker, which no consume call returns: a short timeout
  // notices it within 100 ms instead of the default second.
  if (mode === 'batch') consumer.setDefaultConsumeTimeout(100);
}

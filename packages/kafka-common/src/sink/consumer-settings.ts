import type { KafkaConsumer } from '@confluentinc/kafka-javascript';

/**
 * Bytes of records fetched ahead, at most, unless the worker is told otherwise. 2 MB: the
 * consumer's peak RSS in the bench's drain of 350,000 records was 168–175 MB with 8 MB, 148–152
 * with 2 MB and 141–145 with 1 MB, at rates within the runs' noise (37–69k records/s each); with
 * rows of up to 1 MB (e2e wide-rows) it was 243–260 MB with 8 MB, 221–226 with 2 MB, but 322–382
 * with 1 MB. A record larger than this is still fetched (librdkafka returns a first batch over
 * the limit).
 */
export const DEFAULT_PREFETCH_BYTES = 2 * 1024 * 1024;

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

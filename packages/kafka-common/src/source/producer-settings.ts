import type { Logger } from '@buyonline/connect-api';
import type { KafkaConfig } from '../shared/kafka-config.ts';
import { NativeTransactionalProducer } from './native-transactional-producer.ts';

/** Longest a Kafka transaction may stay open, unless the worker is told otherwise (one source transaction streams through one). */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 900_000;

/** The transactional ids of a source worker: its own, and the second producer's. */
export function pipelineTransactionalIds(transactionalId: string): [string, string] {
  return [transactionalId, `${transactionalId}.1`];
}

/**
 * librdkafka's settings of a transactional producer of the source worker, on top of what
 * NativeTransactionalProducer sets for every one (idempotence, Java's partitioner, delivery reports).
 */
export function transactionalProducerSettings(transactionalId: string, transactionTimeoutMs: number): Record<string, unknown> {
  return {
    'transactional.id': transactionalId,
    'max.in.flight.requests.per.connection': 5,
    'transaction.timeout.ms': transactionTimeoutMs,
    // A light stream is sent at once; under load batches fill while requests are in flight.
    'linger.ms': 1,
  };
}

/** The two producers of the source worker's transaction pipeline, one per transactional id. */
export function pipelineProducers(
  kafka: KafkaConfig,
  transactionalId: string,
  transactionTimeoutMs: number,
  log: Logger,
): [NativeTransactionalProducer, NativeTransactionalProducer] {
  const producer = (id: string) =>
    new NativeTransactionalProducer(
      kafka,
      transactionalProducerSettings(id, transactionTimeoutMs),
      log,
      // A delivery waits out what the transaction may last (librdkafka fails a message past it, and the commit with it).
      transactionTimeoutMs + 60_000,
    );
  const [first, second] = pipelineTransactionalIds(transactionalId);
  return [producer(first), producer(second)];
}

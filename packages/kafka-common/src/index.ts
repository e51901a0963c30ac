export {
  bigintToTwosComplement,
  decimalToUnscaled,
  jsonLogicalTypes,
  twosComplementToBigint,
  unscaledToDecimal,
  wireLogicalTypes,
} from './serde/avro-logical-types.ts';
export { brokerList, type KafkaConfig } from './shared/kafka-config.ts';
export { describeSchemaChange } from './serde/schema-diff.ts';
export { createKafka, ensureTopics, type TopicSpec } from './shared/kafka-clients.ts';
export { offsetKey } from './source/offset-key.ts';
export { clearSourceOffset, readSourceOffsets, SourceOffsets } from './source/offset-store.ts';
export { classifyRegistryError, type RegistryFailure } from './serde/registry-errors.ts';
export { AvroJsonDeserializer, AvroProducerSerde, createRegistryClient, type RegistryRetryOptions, subjectFor } from './serde/schema-registry.ts';
export { type ConsumedMessage, SinkDeadLetterReporter, sinkDeadLetter } from './sink/sink-dead-letter.ts';
export { sourceDeadLetter } from './source/source-dead-letter.ts';
export { LEAVE_GROUP_TIMEOUT_MS, leaveGroup } from './sink/leave-group.ts';
export { MessageDecoder } from './sink/message-decoder.ts';
export { type CommitOffset, type ConsumerPosition, PartitionTracker, type PartitionSummary, type StartingPartition } from './sink/partition-tracker.ts';
export { type RebalanceConsumer, type RebalanceEvent, RebalanceHandler, type RebalanceOptions } from './sink/rebalance.ts';
export { RecordDelivery, type RecordDeliveryOptions } from './sink/record-delivery.ts';
export { SerialQueue } from './sink/serial-queue.ts';
export type { SinkMode } from './sink/consumer-settings.ts';
export { SinkWorker, type SinkRunSummary, type SinkWorkerOptions } from './sink/sink-worker.ts';
export { SourceWorker, type SourceWorkerOptions, type SourceWorkerStats } from './source/source-worker.ts';
export { pipelineTransactionalIds } from './source/producer-settings.ts';
export { applyTransforms, transformFailure } from './shared/transform-chain.ts';
export { SINK_WORKER_METRICS } from './sink/sink-metrics.ts';
export { SOURCE_WORKER_METRICS } from './source/source-metrics.ts';

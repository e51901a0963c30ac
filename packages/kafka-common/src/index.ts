export {
  bigintToTwosComplement,
  decimalToUnscaled,
  jsonLogicalTypes,
  twosComplementToBigint,
  unscaledToDecimal,
  wireLogicalTypes,
} from './avro-logical-types.ts';
export { brokerList, kafkaConfigSchema, registryConfigSchema, type KafkaConfig, type RegistryConfig } from './config.ts';
export { describeSchemaChange } from './schema-diff.ts';
export { createKafka, ensureTopics, type TopicSpec } from './kafka-clients.ts';
export { offsetKey } from './offset-key.ts';
export { clearSourceOffset, readSourceOffsets, SourceOffsets } from './offset-store.ts';
export { classifyRegistryError, type RegistryFailure } from './registry-errors.ts';
export { AvroJsonDeserializer, AvroProducerSerde, createRegistryClient, type RegistryRetryOptions, subjectFor } from './schema-registry.ts';
export { type ConsumedMessage, SinkDeadLetterReporter, sinkDeadLetter, sourceDeadLetter } from './dead-letter.ts';
export { LEAVE_GROUP_TIMEOUT_MS, leaveGroup } from './leave-group.ts';
export { MessageDecoder } from './message-decoder.ts';
export { type CommitOffset, type ConsumerPosition, PartitionTracker, type PartitionSummary, type StartingPartition } from './partition-tracker.ts';
export { type RebalanceConsumer, type RebalanceEvent, RebalanceHandler, type RebalanceOptions } from './rebalance.ts';
export { RecordDelivery, type RecordDeliveryOptions } from './record-delivery.ts';
export { SerialQueue } from './serial-queue.ts';
export { SinkWorker, type SinkMode, type SinkRunSummary, type SinkWorkerOptions } from './sink-worker.ts';
export { SourceWorker, type SourceWorkerOptions, type SourceWorkerStats } from './source-worker.ts';
export { pipelineTransactionalIds } from './producer-settings.ts';
export { applyTransforms, transformFailure } from './transform-chain.ts';
export { SINK_WORKER_METRICS, SOURCE_WORKER_METRICS } from './worker-metrics.ts';

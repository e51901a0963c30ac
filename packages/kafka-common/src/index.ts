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
export { clearSourceOffset, offsetKey, readSourceOffsets, SourceOffsets } from './offset-store.ts';
export { classifyRegistryError, type RegistryFailure } from './registry-errors.ts';
export { AvroJsonDeserializer, AvroProducerSerde, createRegistryClient, type RegistryRetryOptions, subjectFor } from './schema-registry.ts';
export { type ConsumedMessage, SinkDeadLetterReporter, sinkDeadLetter, sourceDeadLetter } from './dead-letter.ts';
export { type GroupMember, type GroupPartitionState, type GroupState, type GroupStateOptions, readGroupState, subscribedTopics } from './group-state.ts';
export { LEAVE_GROUP_TIMEOUT_MS, leaveGroup } from './leave-group.ts';
export { MessageDecoder } from './message-decoder.ts';
export { type CommitOffset, type ConsumerPosition, PartitionTracker, type PartitionSummary, type StartingPartition } from './partition-tracker.ts';
export { type RebalanceConsumer, type RebalanceEvent, RebalanceHandler, type RebalanceOptions } from './rebalance.ts';
export { RecordDelivery, type RecordDeliveryOptions } from './record-delivery.ts';
export { SerialQueue } from './serial-queue.ts';
export { SINK_WORKER_DEFAULTS, SinkWorker, type SinkMode, type SinkRunSummary, type SinkWorkerOptions } from './sink-worker.ts';
export { SOURCE_WORKER_DEFAULTS, SourceWorker, type SourceWorkerOptions, type SourceWorkerStats } from './source-worker.ts';
export { pipelineTransactionalIds } from './transaction-pipeline.ts';
export { applyTransforms, transformFailure } from './transform-chain.ts';
export { SINK_WORKER_METRICS, SOURCE_WORKER_METRICS } from './worker-metrics.ts';

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
export { SinkWorker, type PartitionSummary, type SinkMode, type SinkRunSummary, type SinkWorkerOptions } from './sink-worker.ts';
export { SourceWorker, type SourceWorkerOptions, type SourceWorkerStats } from './source-worker.ts';

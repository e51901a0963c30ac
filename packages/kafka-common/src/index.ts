export {
  bigintToTwosComplement,
  decimalToUnscaled,
  isoToMicros,
  jsonLogicalTypes,
  microsToIso,
  twosComplementToBigint,
  unscaledToDecimal,
  wireLogicalTypes,
} from './avro-logical-types.ts';
export { Backoff, sleep } from './backoff.ts';
export {
  brokerList,
  kafkaConfigSchema,
  parseConfig,
  Redacted,
  redactedString,
  registryConfigSchema,
  type KafkaConfig,
  type RegistryConfig,
} from './config.ts';
export type {
  AvroSchema,
  Logger,
  Metrics,
  OffsetReader,
  PluginContext,
  RecordMetadata,
  SinkPlugin,
  SinkRecord,
  SinkTask,
  SourceOffset,
  SourcePartition,
  SourcePlugin,
  SourceRecord,
  SourceTask,
  TopicPartitionOffset,
  TopicPartitionRef,
} from './connector-api.ts';
export {
  CdcError,
  ConfigError,
  ConnectionError,
  DataError,
  describeError,
  ERROR_CODES,
  FencedError,
  isRetriable,
  SchemaCompatibilityError,
  type ErrorCode,
} from './errors.ts';
export { safeJson } from './json.ts';
export { describeSchemaChange } from './schema-diff.ts';
export { createKafka, ensureTopics, type TopicSpec } from './kafka-clients.ts';
export { clearSourceOffset, offsetKey, readSourceOffsets, SourceOffsets } from './offset-store.ts';
export { classifyRegistryError, type RegistryFailure } from './registry-errors.ts';
export { AvroJsonDeserializer, AvroProducerSerde, createRegistryClient, type RegistryRetryOptions, subjectFor } from './schema-registry.ts';
export { SinkWorker, type PartitionSummary, type SinkMode, type SinkRunSummary, type SinkWorkerOptions } from './sink-worker.ts';
export { SourceWorker, type SourceWorkerOptions, type SourceWorkerStats } from './source-worker.ts';
export { noopContext } from './testing.ts';
export { parsePluginConfig, readEnvConfig } from './runtime/env-config.ts';
export { startHealthServer, type HealthServer, type HealthState } from './runtime/health-server.ts';
export { createLogger, type LogLevel } from './runtime/logger.ts';
export { PrometheusMetrics } from './runtime/metrics.ts';
export { runApp } from './runtime/run-app.ts';
export { renderHelp } from './runtime/help.ts';

export { Backoff, sleep } from './backoff.ts';
export { parseConfig, Redacted, redactedString } from './config.ts';
export type {
  AvroSchema,
  ConnectorPlugin,
  Logger,
  Metrics,
  OffsetReader,
  PluginContext,
  PluginKind,
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
  Transform,
  TransformPlugin,
  TransformRecord,
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
export {
  LATENCY_BUCKETS_SECONDS,
  noStatus,
  type MetricSpec,
  type StatusFields,
  type StatusReporter,
  type StatusUnitKind,
} from './status.ts';
export { safeJson } from './json.ts';
export {
  daysToIsoDate,
  INFINITY_DAYS,
  INFINITY_MICROS,
  isoToMicros,
  microsToIso,
  microsToLocalIso,
  microsToTimeOfDay,
  NEG_INFINITY_DAYS,
  NEG_INFINITY_MICROS,
} from './timestamps.ts';
export { silentLogger } from './silent-logger.ts';
export { checkPlugin, exportedPlugins, type ExportedPlugin } from './plugin-registry-descriptor.ts';
export { isPackageName, PluginRegistry, type PluginImporter, type PluginOf, type PluginRegistryOptions } from './plugin-registry.ts';

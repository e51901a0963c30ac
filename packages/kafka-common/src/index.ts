// The Kafka runtime's door: what the apps import, and nothing else. Tests and the benchmark
// read topics through ./testing (testing.ts).
export { brokerList, type KafkaConfig, kafkaConfigSchema, type RegistryConfig, registryConfigSchema } from './shared/kafka-config.ts';
export { createKafka } from './shared/kafka-clients.ts';
export { SOURCE_WORKER_DEFAULTS, SourceWorker } from './source/source-worker.ts';
export { clearSourceOffset } from './source/offset-store.ts';
export { SOURCE_WORKER_METRICS } from './source/source-metrics.ts';
export { SINK_WORKER_DEFAULTS, SinkWorker } from './sink/sink-worker.ts';
export type { SinkMode } from './sink/consumer-settings.ts';
export { SINK_WORKER_METRICS } from './sink/sink-metrics.ts';
export { type GroupMember, type GroupPartitionState, type GroupState, type GroupStateOptions, readGroupState } from './sink/group-state.ts';

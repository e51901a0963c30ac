// The Kafka runtime's door: what the apps import, and nothing else. Tests and the benchmark
// read topics through ./testing (testing.ts).
export { brokerList, type KafkaConfig } from './shared/kafka-config.ts';
export { createKafka } from './shared/kafka-clients.ts';
export { SourceWorker } from './source/source-worker.ts';
export { clearSourceOffset } from './source/offset-store.ts';
export { SOURCE_WORKER_METRICS } from './source/source-metrics.ts';
export { SinkWorker } from './sink/sink-worker.ts';
export type { SinkMode } from './sink/consumer-settings.ts';
export { SINK_WORKER_METRICS } from './sink/sink-metrics.ts';

import type { MetricSpec } from '@buyonline/connect-api';

/** The metrics of the sink worker, with their help texts. */
export const SINK_WORKER_METRICS: readonly MetricSpec[] = [
  { name: 'sink_records_total', type: 'counter', help: 'Records handed to the sink task (after decoding and transforms).' },
  { name: 'sink_consumed_records_total', type: 'counter', help: 'Records consumed from Kafka, per topic.' },
  { name: 'sink_consumed_bytes_total', type: 'counter', help: 'Bytes (key + value) consumed from Kafka, per topic.' },
  { name: 'sink_filtered_total', type: 'counter', help: 'Consumed records a transform dropped (their offsets still commit).' },
  { name: 'sink_dead_letter_total', type: 'counter', help: 'Consumed records sent to the dead-letter topic, per reason (error code).' },
  { name: 'sink_commits_total', type: 'counter', help: 'Offset commits of the consumer group (durable offsets only).' },
  { name: 'sink_assignments_lost_total', type: 'counter', help: 'Times the consumer lost its assignment (session or poll interval expired).' },
  { name: 'sink_consumer_lag_messages', type: 'gauge', help: "Consumer lag in messages per partition: the partition's high watermark minus the next offset the consumer reads." },
  {
    name: 'sink_consumer_lag_seconds',
    type: 'gauge',
    help: 'Consumer lag in seconds per partition: age of the last consumed record (its Kafka timestamp) while messages wait behind it; 0 when caught up.',
  },
];

import { LATENCY_BUCKETS_SECONDS, type MetricSpec } from '@buyonline/connect-api';

/** The metrics of the source worker, with their help texts (the app's exporter declares them). */
export const SOURCE_WORKER_METRICS: readonly MetricSpec[] = [
  { name: 'source_records_total', type: 'counter', help: 'Records committed to Kafka by the source worker, per topic.' },
  { name: 'source_bytes_total', type: 'counter', help: 'Bytes (Avro key + value) of the records committed to Kafka, per topic.' },
  { name: 'source_dead_letter_total', type: 'counter', help: 'Source records sent to the dead-letter topic instead of their own, per reason (error code).' },
  { name: 'source_filtered_total', type: 'counter', help: 'Source records a transform dropped.' },
  { name: 'source_transactions_total', type: 'counter', help: 'Kafka transactions the source worker committed.' },
  {
    name: 'source_transaction_seconds',
    type: 'histogram',
    help: 'Duration of a Kafka transaction of the source worker, from its begin to its commit, in seconds.',
    buckets: LATENCY_BUCKETS_SECONDS,
  },
  {
    name: 'source_commit_latency_seconds',
    type: 'histogram',
    help: "End-to-end latency source → Kafka, in seconds: from the source's record timestamp (a change's commit in PostgreSQL; a snapshot row's read) to the Kafka commit holding it. One sample per Kafka transaction, for its oldest record.",
    buckets: LATENCY_BUCKETS_SECONDS,
  },
  { name: 'source_last_commit_timestamp_seconds', type: 'gauge', help: 'Unix time, in seconds, of the last Kafka commit of the source worker.' },
  { name: 'source_session_restarts_total', type: 'counter', help: 'Producer sessions restarted after a retriable failure (resumed from the stored positions).' },
  { name: 'source_poll_errors_total', type: 'counter', help: 'Source polls that failed and were retried.' },
];

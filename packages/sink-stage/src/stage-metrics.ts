import { LATENCY_BUCKETS_SECONDS, type MetricSpec } from '@buyonline/connect-api';

/** The metrics the stage sinks emit, with their help texts (each stage plugin declares them). */
export const STAGE_SINK_METRICS: readonly MetricSpec[] = [
  { name: 'stage_files_total', type: 'counter', help: 'Files written into the stage (fsynced and renamed, or PUT).' },
  { name: 'stage_bytes_total', type: 'counter', help: 'Bytes of the files written into the stage.' },
  { name: 'stage_publish_seconds', type: 'histogram', help: 'Time to write one stage file (write, fsync, rename; PUT for Snowflake), in seconds.', buckets: LATENCY_BUCKETS_SECONDS },
  {
    name: 'stage_latency_seconds',
    type: 'histogram',
    help: 'End-to-end latency Kafka → stage, in seconds: from the Kafka timestamp of the first (oldest) record of a file to that file written. One sample per file.',
    buckets: LATENCY_BUCKETS_SECONDS,
  },
  { name: 'stage_records_dropped_total', type: 'counter', help: 'Buffered records dropped unwritten because another consumer took their partition over (it reads them again).' },
  { name: 'stage_fenced_total', type: 'counter', help: 'Times a zombie writer was fenced by the publication chain.' },
  { name: 'snowflake_copy_errors_total', type: 'counter', help: 'Snowflake COPY INTO loads that reported errors (the file is kept under _errors/).' },
];

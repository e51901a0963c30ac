import { type MetricSpec } from '@buyonline/connect-api';

/** The metrics the PostgreSQL source emits, with their help texts (the plugin declares them: `postgresSourcePlugin.metrics`). */
export const POSTGRES_SOURCE_METRICS: readonly MetricSpec[] = [
  { name: 'source_snapshot_rows_total', type: 'counter', help: 'Rows read by snapshots (initial and incremental), per table.' },
  { name: 'source_snapshot_read_rows', type: 'gauge', help: "Rows of a table's current snapshot read so far, per table." },
  {
    name: 'source_snapshot_estimated_rows',
    type: 'gauge',
    help: "Rows a table's snapshot is expected to read: PostgreSQL's estimate (pg_class.reltuples) when the snapshot started, the rows read once it is done; per table.",
  },
  { name: 'source_slot_lag_bytes', type: 'gauge', help: "Replication slot lag in bytes: the server's current WAL position minus the slot's confirmed flush position." },
  { name: 'source_slot_lag_seconds', type: 'gauge', help: "Replication slot lag in seconds: the walsender's flush_lag (0 once the slot caught up and nothing moves)." },
  { name: 'source_heartbeats_total', type: 'counter', help: 'Heartbeat messages written into the WAL while the captured tables were idle (only with heartbeat=write).' },
  { name: 'source_poll_rows', type: 'gauge', help: 'Rows the last poll of the polling capture returned.' },
];

// The dashboard's panels, declared once: the Grafana dashboard's PromQL and the chart drawn
// from a local run's scrapes (evaluate.ts) both come from these.

/** How a target is computed: a counter's rate, a histogram's quantile over a rate, or a gauge's value. */
export type TargetKind =
  | { kind: 'rate'; metric: string; by: readonly string[] }
  | { kind: 'quantile'; metric: string; q: number }
  | { kind: 'gauge'; metric: string; by: readonly string[]; agg: 'sum' | 'max' }
  | { kind: 'increase'; metric: string; by: readonly string[] };

export type Target = TargetKind & {
  /** Legend, with {label} placeholders filled from the series' labels. */
  legend: string;
};

export type PanelUnit = 'ops' | 'bytes/s' | 's' | 'short' | 'bytes' | 'rows';

export interface Panel {
  title: string;
  unit: PanelUnit;
  description: string;
  targets: readonly Target[];
}

const P = 'buyonline_producer_';
const C = 'buyonline_consumer_';

export const PANELS: readonly Panel[] = [
  {
    title: 'Records per second, per topic',
    unit: 'ops',
    description: 'Records committed to Kafka by the producer, and consumed by the consumer.',
    targets: [
      { kind: 'rate', metric: `${P}source_records_total`, by: ['topic'], legend: 'to Kafka {topic}' },
      { kind: 'rate', metric: `${C}sink_consumed_records_total`, by: ['topic'], legend: 'consumed {topic}' },
    ],
  },
  {
    title: 'Bytes per second, per topic',
    unit: 'bytes/s',
    description: 'Avro key + value bytes committed to Kafka, and consumed.',
    targets: [
      { kind: 'rate', metric: `${P}source_bytes_total`, by: ['topic'], legend: 'to Kafka {topic}' },
      { kind: 'rate', metric: `${C}sink_consumed_bytes_total`, by: ['topic'], legend: 'consumed {topic}' },
    ],
  },
  {
    title: 'Latency source commit → Kafka (p50, p99)',
    unit: 's',
    description: "From a change's commit in PostgreSQL (a snapshot row's read) to the Kafka commit holding it; one sample per Kafka transaction.",
    targets: [
      { kind: 'quantile', metric: `${P}source_commit_latency_seconds`, q: 0.5, legend: 'p50' },
      { kind: 'quantile', metric: `${P}source_commit_latency_seconds`, q: 0.99, legend: 'p99' },
    ],
  },
  {
    title: 'Latency Kafka → stage file (p50, p99)',
    unit: 's',
    description: "From the Kafka timestamp of a file's first record to the file written; one sample per file.",
    targets: [
      { kind: 'quantile', metric: `${C}stage_latency_seconds`, q: 0.5, legend: 'p50' },
      { kind: 'quantile', metric: `${C}stage_latency_seconds`, q: 0.99, legend: 'p99' },
    ],
  },
  {
    title: 'Consumer lag (messages)',
    unit: 'short',
    description: 'High watermark minus the next offset the consumer reads, per partition.',
    targets: [{ kind: 'gauge', metric: `${C}sink_consumer_lag_messages`, by: ['topic', 'partition'], agg: 'sum', legend: '{topic}[{partition}]' }],
  },
  {
    title: 'Consumer lag (seconds)',
    unit: 's',
    description: 'Age of the last consumed record while messages wait behind it; 0 when caught up.',
    targets: [{ kind: 'gauge', metric: `${C}sink_consumer_lag_seconds`, by: ['topic'], agg: 'max', legend: '{topic} (worst partition)' }],
  },
  {
    title: 'Snapshot progress (rows)',
    unit: 'rows',
    description: "Rows of each table's snapshot read, against PostgreSQL's estimate (pg_class.reltuples).",
    targets: [
      { kind: 'gauge', metric: `${P}source_snapshot_read_rows`, by: ['table'], agg: 'sum', legend: 'read {table}' },
      { kind: 'gauge', metric: `${P}source_snapshot_estimated_rows`, by: ['table'], agg: 'sum', legend: 'estimated {table}' },
    ],
  },
  {
    title: 'Replication slot lag',
    unit: 'bytes',
    description: "WAL bytes between the server's position and the slot's confirmed flush position.",
    targets: [{ kind: 'gauge', metric: `${P}source_slot_lag_bytes`, by: ['slot'], agg: 'max', legend: '{slot}' }],
  },
  {
    title: 'Kafka transaction duration (p50, p99)',
    unit: 's',
    description: "The source worker's Kafka transactions, from begin to commit.",
    targets: [
      { kind: 'quantile', metric: `${P}source_transaction_seconds`, q: 0.5, legend: 'p50' },
      { kind: 'quantile', metric: `${P}source_transaction_seconds`, q: 0.99, legend: 'p99' },
    ],
  },
  {
    title: 'Dead-lettered records, by reason',
    unit: 'short',
    description: 'Records sent to a dead-letter topic in the last 5 minutes, by error code.',
    targets: [
      { kind: 'increase', metric: `${P}source_dead_letter_total`, by: ['reason'], legend: 'source {reason}' },
      { kind: 'increase', metric: `${C}sink_dead_letter_total`, by: ['reason'], legend: 'sink {reason}' },
    ],
  },
  {
    title: 'Stage files per second',
    unit: 'ops',
    description: 'Files written into the stage.',
    targets: [{ kind: 'rate', metric: `${C}stage_files_total`, by: [], legend: 'files' }],
  },
];

/** The PromQL of a target, as the Grafana dashboard queries it. */
export function promql(target: TargetKind): string {
  const by = (labels: readonly string[]) => (labels.length === 0 ? '' : ` by (${labels.join(', ')})`);
  switch (target.kind) {
    case 'rate':
      return `sum${by(target.by)} (rate(${target.metric}[$__rate_interval]))`;
    case 'quantile':
      return `histogram_quantile(${target.q}, sum by (le) (rate(${target.metric}_bucket[$__rate_interval])))`;
    case 'gauge':
      return `${target.agg}${by(target.by)} (${target.metric})`;
    case 'increase':
      return `sum${by(target.by)} (increase(${target.metric}[5m]))`;
  }
}

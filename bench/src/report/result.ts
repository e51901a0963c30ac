// The run's result as written to bench/results/last-run.json, and the measures the table and
// the chart show: each pipeline figure beside its limit of the same run, as a ratio, against its target.
import type { ConsumeLimit } from '../limits/bare-consume.ts';
import type { ProduceLimit } from '../limits/bare-produce.ts';
import type { CopyLimit } from '../limits/copy.ts';
import type { DecodeLimit } from '../limits/pg-recvlogical.ts';
import type { LatencyFigure, SnapshotFigure, StreamingFigure } from '../pipeline/phase-figures.ts';
import type { StageFigure } from '../pipeline/stage-batch.ts';
import type { LoadResult } from '../pipeline/update-load.ts';
import type { RssPeak } from '../process/rss-sampler.ts';
import type { Comparison, DebeziumFigures } from './debezium-figures.ts';
import type { MachineInfo } from './machine.ts';
import type { ProfileSummary } from './profile-summary.ts';
import type { Unit } from './units.ts';

export interface Workload {
  rows: number;
  flatUpdates: number;
  pacedUpdates: number;
  rate: number;
  txRows: number;
  writers: number;
  profile: boolean;
  skipLimits: boolean;
  /** Debezium on Kafka Connect measured beside the pipeline (absent in older results: false). */
  withDebezium?: boolean;
  /** A CPU-bound process ran beside the pipeline for the paced load (`--cpu-hog`). */
  cpuHog?: boolean;
}

export interface PipelineFigures {
  snapshot: SnapshotFigure;
  flatLoad: LoadResult;
  streaming: StreamingFigure;
  pacedLoad: LoadResult & { lateMs: number };
  latency: LatencyFigure;
  stage: StageFigure;
  rss: { producer: RssPeak; consumer: RssPeak };
}

export interface LimitFigures {
  copy: CopyLimit | null;
  pgRecvlogical: DecodeLimit | null;
  bareConsume: ConsumeLimit | null;
  bareProduce: ProduceLimit | null;
}

export type { Unit };

export interface Target {
  /** What the target bounds: the ratio to the limit, or the figure itself. */
  of: 'ratio' | 'value';
  op: '>=' | '<=';
  value: number;
}

export interface Measure {
  key: string;
  measure: string;
  unit: Unit;
  pipeline: number;
  limit: { name: string; value: number } | null;
  /** pipeline / limit. */
  ratio: number | null;
  target: Target | null;
  /** null: no target, or its limit was not measured. */
  pass: boolean | null;
}

export interface BenchResult {
  date: string;
  commit: string | null;
  machine: MachineInfo;
  workload: Workload;
  /** NODE_OPTIONS of producer and consumer (the V8 heap they ship with). */
  appNodeOptions: string;
  pipeline: PipelineFigures;
  limits: LimitFigures;
  /** Ops found in each phase's records, and anything that did not add up. */
  checks: { ops: Record<string, Record<string, number>>; problems: string[] };
  measures: Measure[];
  /** --with-debezium: Debezium's figures of the same run, and the pipeline's as ratios to them. */
  debezium?: DebeziumFigures;
  comparison?: Comparison[];
  profiles?: ProfileSummary[];
}

function measure(
  key: string,
  name: string,
  unit: Unit,
  pipeline: number,
  limit: { name: string; value: number } | null,
  target: Target | null,
): Measure {
  const ratio = limit ? pipeline / limit.value : null;
  const subject = target?.of === 'ratio' ? ratio : pipeline;
  const pass = !target || subject === null || Number.isNaN(subject) ? null : target.op === '>=' ? subject >= target.value : subject <= target.value;
  return { key, measure: name, unit, pipeline, limit, ratio, target, pass };
}

const limitOf = (name: string, figure: { rowsPerSec: number } | null) => (figure ? { name, value: figure.rowsPerSec } : null);

/**
 * The targets of issue 20 (speed, round two): snapshot ≥ 10 % of COPY, streaming ≥ 50 % of pgoutput
 * decoding, commit → Kafka p50 ≤ 8 ms and p99 ≤ 15 ms (p99 ≤ 30 ms with a CPU-bound process beside
 * the pipeline: `--cpu-hog`), stage ≥ 40 % of the fastest bare consume loop, RSS ≤ 150 MB per app.
 */
export function buildMeasures(pipeline: PipelineFigures, limits: LimitFigures, cpuHog = false): Measure[] {
  const { latency } = pipeline;
  return [
    // The figure is the steady rate (first snapshot record appended → last), as COPY's is a steady one.
    measure('snapshot', 'initial snapshot (steady), rows/s', 'rows/s', pipeline.snapshot.steadyRowsPerSec, limitOf('COPY … TO STDOUT', limits.copy), { of: 'ratio', op: '>=', value: 0.1 }),
    measure('snapshot-from-start', 'initial snapshot from the producer’s start, rows/s', 'rows/s', pipeline.snapshot.rowsPerSec, limitOf('COPY … TO STDOUT', limits.copy), null),
    measure('streaming', 'streaming flat out, rows/s', 'rows/s', pipeline.streaming.rowsPerSec, limitOf('pg_recvlogical pgoutput decode', limits.pgRecvlogical), {
      of: 'ratio',
      op: '>=',
      value: 0.5,
    }),
    measure('streaming-produce', 'streaming flat out vs a bare produce, rows/s', 'rows/s', pipeline.streaming.rowsPerSec, limitOf('bare transactional produce loop', limits.bareProduce), null),
    measure('latency-p50', `commit → Kafka at ${Math.round(pipeline.pacedLoad.rowsPerSec).toLocaleString('en-US')} rows/s${cpuHog ? ' beside a CPU hog' : ''}, p50`, 'ms', latency.append.p50, null, cpuHog ? null : { of: 'value', op: '<=', value: 8 }),
    measure('latency-p95', 'commit → Kafka, p95', 'ms', latency.append.p95, null, null),
    measure('latency-p99', 'commit → Kafka, p99', 'ms', latency.append.p99, null, { of: 'value', op: '<=', value: cpuHog ? 30 : 15 }),
    measure('latency-max', 'commit → Kafka, max', 'ms', latency.append.max, null, null),
    ...(latency.readable
      ? [
          measure('readable-p50', 'commit → readable (read_committed), p50', 'ms', latency.readable.p50, null, null),
          measure('readable-p99', 'commit → readable (read_committed), p99', 'ms', latency.readable.p99, null, null),
        ]
      : []),
    measure('stage', `Kafka → stage (consumer batch, ${pipeline.stage.records.toLocaleString('en-US')} records), rows/s`, 'rows/s', pipeline.stage.rowsPerSec, limitOf('bare consume loop', limits.bareConsume), {
      of: 'ratio',
      op: '>=',
      value: 0.4,
    }),
    measure('rss-producer', 'producer peak RSS', 'MB', pipeline.rss.producer.peakMb, null, { of: 'value', op: '<=', value: 150 }),
    measure('rss-consumer', 'consumer peak RSS', 'MB', pipeline.rss.consumer.peakMb, null, { of: 'value', op: '<=', value: 150 }),
  ];
}

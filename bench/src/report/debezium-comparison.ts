// The pipeline against Debezium on Kafka Connect, on the same table and WAL in the same run:
// each figure of both, the pipeline's as a ratio to Debezium's, and Debezium's to the limit.
import type { Comparison, DebeziumFigures } from './debezium-figures.ts';
import type { Measure, PipelineFigures } from './result.ts';
import type { Unit } from './units.ts';

function compare(key: string, measure: string, unit: Unit, pipeline: number, debezium: number, limit: Measure['limit']): Comparison {
  const better = unit === 'rows/s' ? 'higher' : 'lower';
  const ratio = pipeline / debezium;
  const ahead = !Number.isFinite(ratio) || ratio === 1 ? null : better === 'higher' ? ratio > 1 : ratio < 1;
  return { key, measure, unit, pipeline, debezium, ratio, better, ahead, debeziumToLimit: limit ? debezium / limit.value : null };
}

/** The figures both measured, side by side; `measures` lends each rate its limit of the same run. */
export function compareWithDebezium(pipeline: PipelineFigures, debezium: DebeziumFigures, measures: readonly Measure[]): Comparison[] {
  const limitOf = (key: string) => measures.find((m) => m.key === key)?.limit ?? null;
  const ours = pipeline.latency;
  const theirs = debezium.latency;
  const readable =
    ours.readable && theirs.readable
      ? [
          compare('readable-p50', 'commit → readable (read_committed), p50', 'ms', ours.readable.p50, theirs.readable.p50, null),
          compare('readable-p99', 'commit → readable (read_committed), p99', 'ms', ours.readable.p99, theirs.readable.p99, null),
        ]
      : [];
  return [
    compare('snapshot', 'initial snapshot (steady), rows/s', 'rows/s', pipeline.snapshot.steadyRowsPerSec, debezium.snapshot.steadyRowsPerSec, limitOf('snapshot')),
    compare('snapshot-from-start', 'initial snapshot from the start, rows/s', 'rows/s', pipeline.snapshot.rowsPerSec, debezium.snapshot.rowsPerSec, limitOf('snapshot-from-start')),
    compare('streaming', 'streaming flat out, rows/s', 'rows/s', pipeline.streaming.rowsPerSec, debezium.streaming.rowsPerSec, limitOf('streaming')),
    compare('latency-p50', 'commit → Kafka, p50', 'ms', ours.append.p50, theirs.append.p50, null),
    compare('latency-p99', 'commit → Kafka, p99', 'ms', ours.append.p99, theirs.append.p99, null),
    ...readable,
    compare('rss', 'peak RSS: producer / Connect worker', 'MB', pipeline.rss.producer.peakMb, debezium.rss.peakMb, null),
  ];
}

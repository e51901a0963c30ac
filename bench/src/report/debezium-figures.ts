// What --with-debezium adds to a run's result: Debezium's figures, and each of the pipeline's
// as a ratio to Debezium's (report/debezium-comparison.ts computes them).
import type { LatencyFigure, Phase, SnapshotFigure, StreamingFigure } from '../pipeline/phase-figures.ts';
import type { RssPeak } from '../process/rss-sampler.ts';
import type { Unit } from './units.ts';

export interface DebeziumFigures {
  /** The connector's version as Connect reports it, e.g. 3.7.1.Final. */
  version: string;
  /** How its records were written, e.g. Avro through Apicurio's converter. */
  converter: string;
  /** The connector config the bench gave (password left out). */
  config: Record<string, string>;
  /** Connector created → its last snapshot record appended; and first → last. */
  snapshot: SnapshotFigure;
  streaming: StreamingFigure;
  latency: LatencyFigure;
  /** The Connect worker's JVM, started for this run, and its heap flags. */
  rss: RssPeak;
  heap: string;
  ops: Record<Phase, Record<string, number>>;
}

export interface Comparison {
  key: string;
  measure: string;
  unit: Unit;
  pipeline: number;
  debezium: number;
  /** pipeline / debezium. */
  ratio: number;
  /** Which way is better for this figure. */
  better: 'higher' | 'lower';
  /** The pipeline does better than Debezium; null when they are equal or a figure is missing. */
  ahead: boolean | null;
  /** Debezium's figure over the same limit as the pipeline's (rates only), when it was measured. */
  debeziumToLimit: number | null;
}

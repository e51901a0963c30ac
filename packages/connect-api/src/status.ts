/**
 * What a task tells operators about the units it works on (a table, a slot, a partition): its
 * phase and progress, shown by the apps' `status` command and `GET /status`. A task reports per
 * batch or per check, never per record; the app aggregates (rates, ETAs) and renders.
 */

/** The kinds of unit a status line is about. */
export type StatusUnitKind = 'table' | 'slot' | 'partition' | 'stream' | 'kafka';

/** Fields of one unit; each report merges into what was reported before (absent fields stay). */
export interface StatusFields {
  /** What the unit is doing: `snapshot`, `stream`, `done`, `polling`, … */
  phase?: string;
  /** Work done so far (rows read, records consumed) of `total`. */
  done?: number;
  /** Estimated work in all (pg_class.reltuples, an end offset); null when unknown. */
  total?: number | null;
  /** Where the unit is (an LSN, a polling cursor, a Kafka offset), as text. */
  position?: string;
  /** Bytes the unit is behind its source (a slot's WAL not confirmed). */
  lagBytes?: number;
  /** Messages the unit is behind (a partition's high watermark minus the consumed offset). */
  lagMessages?: number;
  /** Seconds the unit is behind; null when not measurable now. */
  lagSeconds?: number | null;
  /** Files written into the stage. */
  filesWritten?: number;
  /** The last file written. */
  lastFile?: string;
  /** Records sent to a dead-letter topic. */
  deadLettered?: number;
  /** Milliseconds since the epoch of the last Kafka commit of this unit. */
  lastCommitAt?: number;
  /** Where the last Kafka commit went (topic[partition]@offset, …). */
  lastCommit?: string;
  /** Records handled so far. */
  records?: number;
}

export interface StatusReporter {
  /** Merges `fields` into the status of `name`; cheap, synchronous, never throws. */
  report(kind: StatusUnitKind, name: string, fields: StatusFields): void;
}

/** A reporter that keeps nothing: for tests and tools, and the default of a context without one. */
export const noStatus: StatusReporter = { report: () => undefined };

/** A metric a package emits, with the help text and type its exporter declares (Prometheus conventions: unit suffix `_seconds`, `_bytes`, `_total`, …). */
export interface MetricSpec {
  /** Without the app's prefix, e.g. `source_records_total`. */
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  /** Histogram buckets, in the metric's unit. */
  buckets?: readonly number[];
}

/** Histogram buckets for millisecond-level latencies, in seconds (1 ms … 60 s). */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 7.5, 10, 15, 20, 30, 60];

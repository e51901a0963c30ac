// The pipeline's figures, read afterwards from the data topic itself: each record's broker
// append time (the topic is LogAppendTime) and, in its value, the source commit time.
import { topicDecoder } from '@buyonline/kafka-common/testing';
import type { TopicRecord } from '../limits/bare-consume.ts';
import type { PartitionOffsets } from './record-counter.ts';

export type Phase = 'snapshot' | 'flat' | 'paced';

export interface SnapshotFigure {
  rows: number;
  /** Producer start → the last snapshot record appended. */
  seconds: number;
  rowsPerSec: number;
  /** First snapshot record appended → last (without the producer's start-up). */
  steadyRowsPerSec: number;
}

export interface StreamingFigure {
  rows: number;
  /** Load start → the last of its records appended. */
  seconds: number;
  rowsPerSec: number;
  /** First record appended → last. */
  steadyRowsPerSec: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LatencyFigure {
  rows: number;
  /** Broker append time − source commit time, ms. */
  append: Percentiles;
  /** Read by the bench's read_committed consumer − source commit time, ms (the Kafka transaction's commit included). */
  readable: Percentiles | null;
}

export interface PhaseBounds {
  /** Where the snapshot's records end per partition, and where the flat-out phase's end. */
  snapshotEnd: PartitionOffsets;
  flatEnd: PartitionOffsets;
}

export function phaseOf(record: TopicRecord, bounds: PhaseBounds): Phase {
  if (record.offset < (bounds.snapshotEnd.get(record.partition) ?? 0)) return 'snapshot';
  if (record.offset < (bounds.flatEnd.get(record.partition) ?? 0)) return 'flat';
  return 'paced';
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  const round = (v: number) => Math.round(v * 10) / 10;
  return { p50: round(at(50)), p95: round(at(95)), p99: round(at(99)), max: round(sorted[sorted.length - 1] ?? Number.NaN) };
}

/** timestamp-micros in its JSON form (ISO-8601 with microseconds) or as a number of µs → epoch ms, with the fraction. */
export function epochMs(tsUs: unknown): number {
  if (typeof tsUs === 'number') return tsUs / 1000;
  if (typeof tsUs !== 'string') return Number.NaN;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(tsUs);
  if (!m) return Number.NaN;
  const fraction = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return Date.parse(`${m[1]}${m[3]}`) + Number(fraction) / 1000;
}

interface Envelope {
  op: string;
  source: { ts_us: unknown };
}

export interface PhaseRecords {
  records: Record<Phase, TopicRecord[]>;
  /** Ops found per phase, e.g. { snapshot: { r: 200000 }, flat: { u: 100000 } }: what the bench checks. */
  ops: Record<Phase, Record<string, number>>;
  /** Source commit time (epoch ms) of each paced record, in the order of records.paced. */
  pacedCommitMs: number[];
}

/** Sorts the topic's records into the three phases and decodes their values (op, commit time). */
export async function splitPhases(records: readonly TopicRecord[], bounds: PhaseBounds, registryUrl: string, topic: string): Promise<PhaseRecords> {
  const deserializer = topicDecoder(registryUrl);
  const split: PhaseRecords = { records: { snapshot: [], flat: [], paced: [] }, ops: { snapshot: {}, flat: {}, paced: {} }, pacedCommitMs: [] };
  for (const record of records) {
    const phase = phaseOf(record, bounds);
    split.records[phase].push(record);
    if (!record.value) {
      split.ops[phase].tombstone = (split.ops[phase].tombstone ?? 0) + 1;
      if (phase === 'paced') split.pacedCommitMs.push(Number.NaN);
      continue;
    }
    const value = (await deserializer.deserialize(topic, 'value', record.value)).value as Envelope;
    split.ops[phase][value.op] = (split.ops[phase][value.op] ?? 0) + 1;
    if (phase === 'paced') split.pacedCommitMs.push(epochMs(value.source.ts_us));
  }
  return split;
}

function appendSpan(records: readonly TopicRecord[]): { first: number; last: number } {
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const r of records) {
    first = Math.min(first, r.timestamp);
    last = Math.max(last, r.timestamp);
  }
  return { first, last };
}

export function snapshotFigure(records: readonly TopicRecord[], producerStartedAt: number): SnapshotFigure {
  const { first, last } = appendSpan(records);
  const seconds = (last - producerStartedAt) / 1000;
  return { rows: records.length, seconds, rowsPerSec: records.length / seconds, steadyRowsPerSec: records.length / Math.max(0.001, (last - first) / 1000) };
}

export function streamingFigure(records: readonly TopicRecord[], loadStartedAt: number): StreamingFigure {
  const { first, last } = appendSpan(records);
  const seconds = (last - loadStartedAt) / 1000;
  return { rows: records.length, seconds, rowsPerSec: records.length / seconds, steadyRowsPerSec: records.length / Math.max(0.001, (last - first) / 1000) };
}

export function latencyFigure(split: PhaseRecords, readTime: (partition: number, offset: number) => number | undefined): LatencyFigure {
  const append: number[] = [];
  const readable: number[] = [];
  split.records.paced.forEach((record, i) => {
    const committed = split.pacedCommitMs[i] ?? Number.NaN;
    if (Number.isNaN(committed)) return;
    append.push(record.timestamp - committed);
    const read = readTime(record.partition, record.offset);
    if (read !== undefined) readable.push(read - committed);
  });
  return { rows: append.length, append: percentiles(append), readable: readable.length > 0 ? percentiles(readable) : null };
}

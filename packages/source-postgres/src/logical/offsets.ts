import type { SourceOffset, SourcePartition } from '@buyonline/connect-api';

/**
 * Where the slot's stream stands, stored under the stream partition `{ db, slot }` with every
 * Kafka transaction that closes a source transaction.
 */
export interface StreamOffset extends SourceOffset {
  /** snapshot: the initial snapshot is not finished; stream: changes are read from `lsn` on. */
  phase: 'snapshot' | 'stream';
  /** snapshot: the slot's consistent point; stream: the end of the last source transaction in Kafka. */
  lsn: string;
}

/**
 * The tables the slot's stream is read for, stored under `{ db, slot, captured: 'tables' }` in
 * the Kafka transaction that ends the initial snapshot and in the first one of a run that
 * captures another set, before any later stream position. A table with a stored snapshot
 * position that is not among them was left out of the capture for a while: its changes since
 * were not read, so it is snapshotted again. Not stored by versions before the list was kept
 * (then every table is taken to have been captured).
 */
export interface CapturedTablesOffset extends SourceOffset {
  /** JSON of the tables' `schema.table` names, sorted. */
  tables: string;
}

/**
 * How far one table's snapshot got, stored under the table partition `{ db, table, slot }`:
 * `initial` while the initial snapshot reads it, `incremental` while a watermark-based snapshot
 * (a table added later, or an `execute-snapshot` signal) reads it, `done` after.
 */
export interface TableOffset extends SourceOffset {
  snapshot: 'initial' | 'incremental' | 'done';
  /** The last key read (a key column's text, or a JSON array of them for a composite key). */
  last_key: string | null;
  /** JSON of SnapshotSegment[]: key ranges read from a later snapshot after a resumed snapshot. */
  segments: string;
  /** Past this LSN the segments no longer matter. */
  segments_until: string | null;
  /**
   * JSON of KeyRange[]: an incremental snapshot of only these key ranges (an `execute-snapshot`
   * signal with `ranges`, as `verify --repair` sends), the ones not yet read, the first being read
   * now; absent (or `[]`) when the whole table is read.
   */
  ranges?: string;
}

/** Keys in (after, upTo] in the table's key order, as snapshots store keys (TableKeys.keyText); null: unbounded. */
export interface KeyRange {
  after: string | null;
  upTo: string | null;
}

/** The key ranges an incremental snapshot still has to read (none: the whole table). */
export function rangesOf(offset: TableOffset): KeyRange[] {
  return offset.ranges ? (JSON.parse(offset.ranges) as KeyRange[]) : [];
}

/** A table's position once a chunk was emitted: done after the last one, else the chunk's last key (and the ranges left). */
export function offsetAfterChunk(offset: TableOffset, chunk: { lastKey: string | null; ranges?: readonly KeyRange[] | undefined }): TableOffset {
  const { ranges: _, ...rest } = offset;
  if (chunk.lastKey === null) return { ...rest, snapshot: 'done', last_key: null };
  return chunk.ranges && chunk.ranges.length > 0 ? { ...rest, last_key: chunk.lastKey, ranges: JSON.stringify(chunk.ranges) } : { ...rest, last_key: chunk.lastKey };
}

export interface SnapshotSegment {
  /** Exclusive lower bound of the key range (null: from the start). */
  above: string | null;
  /** Inclusive upper bound (null: no bound). */
  upTo: string | null;
  /** pg_current_snapshot() of the transaction that read this range. */
  snapshot: string;
}

/** The offset stored by the single-table producer before one slot served many tables. */
export interface LegacyOffset extends SourceOffset {
  phase: 'snapshot' | 'stream';
  lsn: string;
  last_key: string | null;
  segments: string;
  segments_until: string | null;
}

export function streamPartition(db: string, slot: string): SourcePartition {
  return { db, slot };
}

export function capturedTablesPartition(db: string, slot: string): SourcePartition {
  return { db, slot, captured: 'tables' };
}

/** The same partition the single-table producer used, so its stored position is still found. */
export function tablePartition(db: string, slot: string, table: string): SourcePartition {
  return { db, table, slot };
}

export function isLegacyOffset(offset: SourceOffset | undefined): offset is LegacyOffset {
  return offset !== undefined && typeof offset.phase === 'string' && typeof offset.lsn === 'string';
}

export function freshTableOffset(snapshot: TableOffset['snapshot']): TableOffset {
  return { snapshot, last_key: null, segments: '[]', segments_until: null };
}

/** The captured tables as they are stored. */
export function capturedTables(tables: Iterable<string>): CapturedTablesOffset {
  return { tables: JSON.stringify([...tables].sort()) };
}

/** True when `table` was left out of the capture that stored `captured` (its changes since were not read). */
export function leftOutOfCapture(captured: SourceOffset | undefined, table: string): boolean {
  return typeof captured?.tables === 'string' && !(JSON.parse(captured.tables) as string[]).includes(table);
}

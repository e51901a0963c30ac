import { DataError, type SourceOffset, type SourcePartition, type SourceRecord } from '@buyonline/connect-api';
import { type ChangeEvent, type ChangeSource, UNCHANGED_TOAST_HEADER } from '@buyonline/schemas';
import type { TableShape } from './logical/table-schema.ts';

/** A tuple as pgoutput decodes it: text values, null, or undefined for an unchanged TOASTed value. */
export type Tuple = Record<string, string | null | undefined>;

export interface ChangeMeta {
  txid: number | null;
  /** Commit LSN of the source transaction (the snapshot's consistent point for reads); null when polling. */
  lsn: string | null;
  snapshot: boolean;
  /** Commit time (or snapshot time), µs since the epoch. */
  tsUs: number;
  /**
   * `source.position` of the record (JSON); by default the log position of the offset. With a
   * position, the records of one meta share one source block: a meta is not changed once used.
   */
  position?: string;
}

export interface RecordTarget {
  topic: string;
  partition: SourcePartition;
  db: string;
  schema: string;
  table: string;
  connector: string;
}

/**
 * Turns decoded rows into change records in a Debezium-style envelope: reads, inserts,
 * updates (a key change becomes a delete + tombstone of the old key and a create of the new
 * one), deletes (+ tombstone) and truncates.
 */
export class ChangeRecords {
  /** The meta of the last source block built, and the block: the records of one chunk or transaction share it. */
  private sourceMeta: ChangeMeta | undefined;
  private sourceBlock: Readonly<ChangeSource> | undefined;

  constructor(
    private readonly target: RecordTarget,
    private readonly now: () => number,
  ) {}

  read(shape: TableShape, row: Tuple, offset: SourceOffset, meta: ChangeMeta): SourceRecord {
    return this.guarded(shape, 'r', null, row, offset, meta);
  }

  /** A row as polling sees it: no before-image, `c` for a first version and `u` for a later one. */
  upsert(shape: TableShape, op: 'c' | 'u', row: Tuple, offset: SourceOffset, meta: ChangeMeta): SourceRecord {
    return this.guarded(shape, op, null, row, offset, meta);
  }

  insert(shape: TableShape, row: Tuple, offset: SourceOffset, meta: ChangeMeta): SourceRecord[] {
    return [this.guarded(shape, 'c', null, row, offset, meta)];
  }

  update(shape: TableShape, before: Tuple | null, after: Tuple, offset: SourceOffset, meta: ChangeMeta): SourceRecord[] {
    if (before !== null && keyChanged(shape, before, after)) {
      // The key changed: for a keyed topic that is the old key gone and a new key created.
      return [...this.delete(shape, before, offset, meta), ...this.insert(shape, after, offset, meta)];
    }
    return [this.guarded(shape, 'u', before, after, offset, meta)];
  }

  delete(shape: TableShape, before: Tuple, offset: SourceOffset, meta: ChangeMeta): SourceRecord[] {
    const deleted = this.guarded(shape, 'd', before, null, offset, meta);
    if (deleted.failure || deleted.key === null) return [deleted]; // keyless: a tombstone would mean nothing
    const { headers: _headers, ...tombstone } = deleted;
    return [deleted, { ...tombstone, value: null }];
  }

  /** Every earlier row of the table is gone: one keyless `t` record (as Debezium emits). */
  truncate(shape: TableShape, offset: SourceOffset, meta: ChangeMeta): SourceRecord {
    return {
      topic: this.target.topic,
      sourcePartition: this.target.partition,
      sourceOffset: offset,
      keySchema: shape.keySchema,
      key: null,
      valueSchema: shape.valueSchema,
      value: { op: 't', before: null, after: null, source: this.source(offset, meta), ts_us: this.now() * 1000, unchanged_toast: [] } satisfies ChangeEvent,
      timestampMs: Math.floor(meta.tsUs / 1000),
    };
  }

  /** The record, or, when a value cannot be converted, the dead-letter record of the row (`after`, else `before`). */
  private guarded(shape: TableShape, op: 'c' | 'u' | 'd' | 'r', before: Tuple | null, after: Tuple | null, offset: SourceOffset, meta: ChangeMeta): SourceRecord {
    try {
      return this.record(shape, op, before, after, offset, meta);
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      return this.failed(shape, (after ?? before) as Tuple, offset, err);
    }
  }

  /**
   * The `source` block. It depends on the meta alone when the meta names the position, so the
   * records of one snapshot chunk or source transaction (one meta) share one frozen block.
   */
  private source(offset: SourceOffset, meta: ChangeMeta): Readonly<ChangeSource> {
    if (meta.position !== undefined && meta === this.sourceMeta) return this.sourceBlock as Readonly<ChangeSource>;
    const block: Readonly<ChangeSource> = Object.freeze({
      connector: this.target.connector,
      db: this.target.db,
      schema: this.target.schema,
      table: this.target.table,
      position: meta.position ?? JSON.stringify({ lsn: offset.lsn, phase: offset.phase, last_key: offset.last_key }),
      txid: meta.txid,
      lsn: meta.lsn,
      snapshot: meta.snapshot,
      ts_us: meta.tsUs,
    });
    if (meta.position !== undefined) {
      this.sourceMeta = meta;
      this.sourceBlock = block;
    }
    return block;
  }

  private record(shape: TableShape, op: 'c' | 'u' | 'd' | 'r', before: Tuple | null, after: Tuple | null, offset: SourceOffset, meta: ChangeMeta): SourceRecord {
    const key = keyOf(shape, after ?? before ?? {});
    // An unchanged TOASTed value without a before-image is unknown: never written as a value.
    const unchanged = after ? unchangedColumns(shape, after) : [];
    const record: SourceRecord = {
      topic: this.target.topic,
      sourcePartition: this.target.partition,
      sourceOffset: offset,
      keySchema: shape.keySchema,
      key,
      valueSchema: shape.valueSchema,
      value: {
        op,
        before: before ? convertTuple(shape, before) : null,
        after: after ? convertTuple(shape, after) : null,
        source: this.source(offset, meta),
        ts_us: this.now() * 1000,
        unchanged_toast: unchanged,
      } satisfies ChangeEvent,
      timestampMs: Math.floor(meta.tsUs / 1000),
    };
    if (unchanged.length > 0) record.headers = { [UNCHANGED_TOAST_HEADER]: unchanged.join(',') };
    return record;
  }

  /** A row that cannot be converted: dead-lettered with the reason (the raw text values kept), never dropped. */
  failed(shape: TableShape, tuple: Tuple, offset: SourceOffset, err: DataError): SourceRecord {
    return {
      topic: this.target.topic,
      sourcePartition: this.target.partition,
      sourceOffset: offset,
      keySchema: shape.keySchema,
      key: shape.keySchema === null ? null : Object.fromEntries(shape.keyColumns.map((c) => [c.info.name, tuple[c.info.name] ?? null])),
      valueSchema: shape.valueSchema,
      value: tuple,
      failure: { code: err.code, message: `${this.target.schema}.${this.target.table}: ${err.message}` },
    };
  }
}

/** The key record (every key column, in key order, by its Avro field name), or null for a keyless table. */
function keyOf(shape: TableShape, image: Tuple): Record<string, unknown> | null {
  if (shape.keySchema === null) return null;
  const key: Record<string, unknown> = {};
  for (const column of shape.keyColumns) {
    const text = image[column.info.name];
    if (text === null || text === undefined) throw new DataError(`column ${column.info.name}: the key is missing from the row`);
    key[column.field] = convertValue(column, text);
  }
  return key;
}

function convertValue(column: TableShape['columns'][number], text: string): unknown {
  try {
    return column.mapping.fromText(text);
  } catch (err) {
    if (err instanceof DataError) throw new DataError(`column ${column.info.name}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** Whether the before-image names a key that the after-image no longer has. */
function keyChanged(shape: TableShape, before: Tuple, after: Tuple): boolean {
  for (const column of shape.keyColumns) {
    const was = before[column.info.name];
    if (was !== undefined && was !== after[column.info.name]) return true;
  }
  return false;
}

/** The columns the tuple leaves out (undefined: an unchanged TOASTed value), by their Avro field names as the row record. */
function unchangedColumns(shape: TableShape, tuple: Tuple): string[] {
  const names: string[] = [];
  for (const column of shape.columns) if (tuple[column.info.name] === undefined) names.push(column.field);
  return names;
}

/** The row record: each column's value under its Avro field name (the tuple is keyed by PostgreSQL names). */
function convertTuple(shape: TableShape, tuple: Tuple): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of shape.columns) {
    const text = tuple[column.info.name];
    out[column.field] = text === null || text === undefined ? null : convertValue(column, text);
  }
  return out;
}

import { ConfigError, type SourcePartition, type SourceRecord } from '@buyonline/connect-api';
import { ChangeRecords } from '../change-records.ts';
import { type TableRef, tableName } from '../tables.ts';
import type { ColumnInfo } from './column-types.ts';
import { compareLsn } from './lsn.ts';
import { type SnapshotSegment, type TableOffset, tablePartition } from './offsets.ts';
import type { SnapshotKeys } from './snapshot-keys.ts';
import { SnapshotVisibility } from './snapshot-visibility.ts';
import { TableKeys } from './table-keys.ts';
import { type SchemaNames, shapeTable, type TableShape } from './table-schema.ts';

export interface CapturedTableOptions {
  ref: TableRef;
  topic: string;
  db: string;
  slot: string;
  names: SchemaNames;
  excludeColumns: readonly string[];
  columns: readonly ColumnInfo[];
  keys: SnapshotKeys;
  now: () => number;
}

interface LoadedSegment {
  above: string | null;
  upTo: string | null;
  visibility: SnapshotVisibility;
}

/**
 * One table a slot captures: its topic, its shape (changed by Relation messages as DDL comes
 * by), its key order, how far its snapshot got, and which key ranges a resumed snapshot read
 * from a later snapshot (the stream drops the changes those rows already hold).
 */
export class CapturedTable {
  readonly name: string;
  readonly partition: SourcePartition;
  readonly records: ChangeRecords;
  /** Null for a table without a primary key (captured under REPLICA IDENTITY FULL, keyless records). */
  readonly keys: TableKeys | null;
  private current: TableShape;
  /** Why the columns of the last Relation message cannot be captured (two sharing an Avro name): every later change of the table is refused too. */
  private refusal: ConfigError | undefined;
  keyColumns: string[];
  offset: TableOffset;
  private segments: LoadedSegment[] = [];

  constructor(
    readonly ref: TableRef,
    readonly topic: string,
    private readonly options: CapturedTableOptions,
    offset: TableOffset,
  ) {
    this.name = tableName(ref);
    this.partition = tablePartition(options.db, options.slot, this.name);
    this.current = shapeTable(options.columns, options.names, options.excludeColumns, this.name);
    this.keyColumns = this.shape.keyColumns.map((c) => c.info.name);
    this.keys = this.shape.keyColumns.length === 0 ? null : new TableKeys(options.keys, ref.schema, ref.table, this.shape.keyColumns.map((c) => c.info));
    this.records = new ChangeRecords(
      { topic, partition: this.partition, db: options.db, schema: ref.schema, table: ref.table, connector: 'postgres-logical' },
      options.now,
    );
    this.offset = offset;
    this.loadSegments();
  }

  /** The table's shape; throws when the last Relation message's columns were refused, so no row goes out in an older shape. */
  get shape(): TableShape {
    if (this.refusal) throw this.refusal;
    return this.current;
  }

  /** The columns the following rows were written with (a Relation message). */
  reshape(columns: readonly ColumnInfo[]): void {
    try {
      this.current = shapeTable(columns, this.options.names, this.options.excludeColumns, this.name);
      this.refusal = undefined;
    } catch (err) {
      if (err instanceof ConfigError) this.refusal = err;
      throw err;
    }
  }

  /** A record that stores the table's position alone (no row). */
  positionRecord(): SourceRecord {
    return { topic: this.topic, sourcePartition: this.partition, sourceOffset: this.offset, keySchema: null, key: null, valueSchema: this.shape.valueSchema, value: null, positionOnly: true };
  }

  setOffset(offset: TableOffset): void {
    this.offset = offset;
    this.loadSegments();
  }

  private loadSegments(): void {
    this.segments = (JSON.parse(this.offset.segments) as SnapshotSegment[]).map((s) => ({
      above: s.above,
      upTo: s.upTo,
      visibility: new SnapshotVisibility(s.snapshot),
    }));
  }

  /** Whether changes of a transaction committing at `commitLsn` may already be in rows a resumed snapshot read. */
  filters(commitLsn: string): boolean {
    return this.offset.segments_until !== null && this.segments.length > 0 && compareLsn(commitLsn, this.offset.segments_until) < 0;
  }

  /** The bounds of the resumed snapshot's ranges (what `keys.resolve` must compare a key with). */
  segmentBounds(): string[] {
    return this.segments.flatMap((s) => [s.above, s.upTo]).filter((b): b is string => b !== null);
  }

  /** True when the row with this key was read by a snapshot that already saw transaction `xid`. */
  seenBySnapshot(keyText: string | null, xid: number): boolean {
    return this.segments.some((s) => {
      if (!s.visibility.sees(xid)) return false;
      if (keyText === null || this.keys === null) return s.above === null && s.upTo === null; // keyless: the whole table was re-read
      return (s.above === null || this.keys.compare(keyText, s.above) > 0) && (s.upTo === null || this.keys.compare(keyText, s.upTo) <= 0);
    });
  }
}

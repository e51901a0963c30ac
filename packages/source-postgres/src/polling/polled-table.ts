import { ConfigError, type OffsetReader, type SourcePartition, type SourceRecord } from '@buyonline/connect-api';
import { type ChangeMeta, ChangeRecords, type Tuple } from '../change-records.ts';
import type { ColumnInfo } from '../logical/column-types.ts';
import { type SchemaNames, shapeTable, type TableShape } from '../logical/table-schema.ts';
import { tableName, type TableRef } from '../tables.ts';
import { initialOffset, type PollingOffset, pollingPartition, readPollingOffset, rowOffset } from './offset.ts';
import { columnField, keyField, POLL_FIELDS, type PollQuery, pollQuery, type PollTarget } from './poll-query.ts';

/** A polled row: every value in PostgreSQL's text form. */
export type TextRow = Record<string, string | null>;

export interface PolledTableOptions {
  ref: TableRef;
  topic: string;
  db: string;
  /** The table's columns, as `describeColumns` reads them. */
  columns: readonly ColumnInfo[];
  names: SchemaNames;
  excludeColumns: readonly string[];
  /** The table's timestamp column (`timestampColumn`, when it has it): the records are dated by it, else by the poll's time. */
  timestamp: string | undefined;
  now: () => number;
}

/** One polled table: its shape, its record builder and how far polling got. */
export class PolledTable {
  readonly name: string;
  readonly partition: SourcePartition;
  readonly shape: TableShape;
  private readonly target: PollTarget;
  private readonly records: ChangeRecords;
  private readonly now: () => number;
  /** Undefined until the first poll of a table without a stored position. */
  position: PollingOffset | undefined;

  constructor(options: PolledTableOptions, offsets: OffsetReader) {
    this.name = tableName(options.ref);
    const keyColumns = options.columns.filter((c) => c.isKey).sort((a, b) => (a.keyPosition ?? 0) - (b.keyPosition ?? 0));
    if (keyColumns.length === 0) {
      throw new ConfigError(`table ${this.name} has no primary key; polling pages through a table by its key: add one, or capture the table in logical mode`);
    }
    this.partition = pollingPartition(options.db, this.name);
    this.shape = shapeTable(options.columns, options.names, options.excludeColumns, this.name);
    this.target = { ref: options.ref, columns: this.shape.columns.map((c) => c.info), keyColumns, timestamp: options.timestamp };
    this.records = new ChangeRecords(
      { topic: options.topic, partition: this.partition, db: options.db, schema: options.ref.schema, table: options.ref.table, connector: 'postgres-polling' },
      options.now,
    );
    this.now = options.now;
    this.position = readPollingOffset(offsets.offset(this.partition), keyColumns.length, this.name);
  }

  query(horizon: string, limit: number): PollQuery {
    return pollQuery(this.target, horizon, this.position, limit);
  }

  /** Nothing below the horizon yet: the initial load of this table is what lies below it. */
  idle(horizon: string): void {
    this.position ??= initialOffset(horizon);
  }

  /**
   * Records of the rows one poll read (below `horizon`), in order: `r` for a row written before
   * the table's first poll (the initial load), `c` for a first version, `u` for a later one. The
   * in-memory position moves past them now; a crash before the Kafka commit restarts from the
   * offsets topic, which only ever holds committed positions.
   */
  toRecords(rows: readonly TextRow[], horizon: string): SourceRecord[] {
    const snapshotHorizon = this.position?.snapshot_horizon ?? horizon;
    const pollUs = this.now() * 1000;
    const out: SourceRecord[] = [];
    for (const row of rows) {
      const txid = row[POLL_FIELDS.txid] as string;
      const offset = rowOffset(
        snapshotHorizon,
        txid,
        this.target.keyColumns.map((_, i) => row[keyField(i)] as string),
      );
      const snapshot = BigInt(txid) < BigInt(snapshotHorizon);
      const ts = row[POLL_FIELDS.tsUs];
      const meta: ChangeMeta = {
        txid: Number(txid),
        lsn: null,
        snapshot,
        // Polling sees no commit time: the row's timestamp column when it has one, else the poll's time.
        tsUs: ts === undefined || ts === null ? pollUs : Number(ts),
        position: JSON.stringify(offset),
      };
      const tuple: Tuple = Object.fromEntries(this.shape.columns.map((c, i) => [c.info.name, row[columnField(i)] ?? null]));
      out.push(snapshot ? this.records.read(this.shape, tuple, offset, meta) : this.records.upsert(this.shape, row[POLL_FIELDS.version] === '1' ? 'c' : 'u', tuple, offset, meta));
      this.position = offset;
    }
    return out;
  }
}

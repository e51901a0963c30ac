import type { PluginContext, SourcePartition, SourceRecord } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import type { ChangeMeta, Tuple } from '../change-records.ts';
import type { CapturedTable } from './captured-table.ts';
import type { ChangeQueue } from './change-queue.ts';
import type { SnapshotProgress } from './snapshot-progress.ts';
import { CHUNK_WATERMARK, type IncrementalSnapshots } from './incremental-snapshot.ts';
import { compareLsn, normalizeLsn } from './lsn.ts';
import { freshTableOffset, type StreamOffset, type TableOffset } from './offsets.ts';
import { columnsFromRelation, type RelationMessage, type TypeCatalog } from './relation-columns.ts';
import { keptChange } from './resumed-snapshot-filter.ts';
import { describeColumns } from './table-schema.ts';
import type { WalMessage } from './wal-stream.ts';

/** Prefix of the WAL messages that ask for something (Debezium's signals): `execute-snapshot`. */
export const SIGNAL_PREFIX = 'buyonline-signal';

/** The source transaction being received. */
interface OpenTransaction {
  xid: number;
  commitTime: bigint;
  /** Where its commit record starts (pgoutput Begin's final LSN). */
  commitLsn: string;
  /** Already in Kafka: its changes are dropped. */
  skip: boolean;
  /** Records queued from it so far. */
  records: number;
  /**
   * Table positions (a snapshot queued by a signal, a chunk read at a watermark) it carries: they
   * go out with its end, so a batch never ends on a record that would close the Kafka
   * transaction in the middle of the source transaction.
   */
  positions: Map<CapturedTable, SourceRecord>;
  offset: StreamOffset;
  meta: ChangeMeta;
}

export interface StreamDecoderOptions {
  tables: ReadonlyMap<string, CapturedTable>;
  queue: ChangeQueue;
  incremental: IncrementalSnapshots;
  types: TypeCatalog;
  sql: () => Sql;
  streamPartition: SourcePartition;
  ctx: PluginContext;
  /** Incremental snapshot chunks are counted here (status, metrics). */
  progress?: SnapshotProgress;
}

/**
 * Turns the slot's pgoutput messages into change records of the captured tables, transaction by
 * transaction: each record is queued as part of its source transaction, and the transaction's end
 * closes it with the stream position. Transactions already in Kafka (a re-delivery after a restart)
 * are dropped; so are changes a resumed snapshot already read, and chunk rows of an incremental
 * snapshot that the stream overtook.
 */
export class StreamDecoder {
  private current: OpenTransaction | undefined;
  /** End LSN of the last transaction queued (re-deliveries that commit before it are dropped). */
  private handed = '0/0';
  /** The stream failed: nothing more is queued (a transaction missing a change must never look complete). */
  private stopped = false;

  constructor(private readonly options: StreamDecoderOptions) {}

  /** Inside a source transaction now (its end not yet queued). */
  get inTransaction(): boolean {
    return this.current !== undefined;
  }

  /** Starts over from `lsn` (everything before it is in Kafka). */
  reset(lsn: string): void {
    this.current = undefined;
    this.handed = lsn;
    this.stopped = false;
  }

  /** The stream failed: a message still being handled queues nothing more. */
  stop(): void {
    this.stopped = true;
    this.current = undefined;
  }

  async onMessage(message: WalMessage): Promise<void> {
    if (this.stopped) return;
    switch (message.tag) {
      case 'begin':
        this.onBegin(normalizeLsn(message.commitLsn as string), message.xid as number, message.commitTime as bigint);
        return;
      case 'relation':
        await this.onRelation(message as unknown as RelationMessage);
        return;
      case 'insert':
      case 'update':
      case 'delete':
        await this.onChange(message.tag, message.relation as RelationMessage, (message.new as Tuple | undefined) ?? null, ((message.old ?? message.key) as Tuple | undefined) ?? null);
        return;
      case 'truncate':
        await this.onTruncate(message.relations as RelationMessage[]);
        return;
      case 'message':
        await this.onLogicalMessage(message.prefix as string, Buffer.from(message.content as Uint8Array).toString('utf8'));
        return;
      case 'commit':
        await this.onCommit(normalizeLsn(message.commitEndLsn as string));
        return;
      default:
        return; // 'type', 'origin'
    }
  }

  private tableOf(relation: RelationMessage | undefined): CapturedTable | undefined {
    return relation ? this.options.tables.get(`${relation.schema}.${relation.name}`) : undefined;
  }

  private onBegin(commitLsn: string, xid: number, commitTime: bigint): void {
    // A transaction is in Kafka already when it committed before the end of the last one handed out.
    const skip = compareLsn(commitLsn, this.handed) < 0;
    const offset: StreamOffset = { phase: 'stream', lsn: commitLsn };
    const meta: ChangeMeta = { txid: xid, lsn: commitLsn, snapshot: false, tsUs: Number(commitTime), position: JSON.stringify({ lsn: commitLsn, phase: 'stream' }) };
    this.current = { xid, commitTime, commitLsn, skip, records: 0, positions: new Map(), offset, meta };
  }

  /** The columns the following rows were written with (not the live catalog: DDL may have run since). */
  private async onRelation(relation: RelationMessage): Promise<void> {
    const table = this.tableOf(relation);
    if (!table) return;
    if (table.keyColumns.length > 0 && !relation.columns.some((c) => table.keyColumns.includes(c.name))) {
      const columns = await describeColumns(this.options.sql(), table.ref.schema, table.ref.table);
      table.keyColumns = columns.filter((c) => c.isKey).sort((a, b) => (a.keyPosition ?? 0) - (b.keyPosition ?? 0)).map((c) => c.name);
    }
    const columns = await columnsFromRelation(relation, this.options.types, table.keyColumns);
    table.reshape(columns.map((c) => (c.isKey ? { ...c, keyPosition: table.keyColumns.indexOf(c.name) + 1 } : c)));
  }

  private async onChange(tag: 'insert' | 'update' | 'delete', relation: RelationMessage, newTuple: Tuple | null, oldTuple: Tuple | null): Promise<void> {
    const txn = this.current;
    const table = this.tableOf(relation);
    if (!txn || txn.skip || !table) return;
    const keyText = table.keys?.keyText(newTuple ?? oldTuple ?? {}) ?? null;
    const kept = await keptChange(this.options.sql(), table, txn.commitLsn, txn.xid, newTuple, oldTuple);
    if (kept === 'none') return;
    this.options.incremental.onChange(table, keyText);
    if (oldTuple && table.keys) this.options.incremental.onChange(table, table.keys.keyText(oldTuple));
    const { shape, records } = table;
    let out: SourceRecord[];
    if (tag === 'insert' || kept === 'insert') out = records.insert(shape, newTuple ?? {}, txn.offset, txn.meta);
    else if (tag === 'update' && kept === 'all') out = records.update(shape, oldTuple, newTuple ?? {}, txn.offset, txn.meta);
    else out = records.delete(shape, oldTuple ?? {}, txn.offset, txn.meta);
    for (const record of out) await this.push(txn, this.inStream(record));
  }

  private async onTruncate(relations: readonly RelationMessage[]): Promise<void> {
    const txn = this.current;
    if (!txn || txn.skip) return;
    for (const relation of relations) {
      const table = this.tableOf(relation);
      if (!table) continue;
      this.options.incremental.onTruncate(table);
      const record = table.records.truncate(table.shape, txn.offset, txn.meta);
      await this.push(txn, this.inStream(record));
    }
  }

  private async onLogicalMessage(prefix: string, content: string): Promise<void> {
    const txn = this.current;
    if (!txn || txn.skip) return; // non-transactional messages (and re-deliveries) ask for nothing
    if (prefix === CHUNK_WATERMARK) {
      const chunk = this.options.incremental.onWatermark(content);
      if (!chunk) return;
      const { table } = chunk;
      const offset: TableOffset = chunk.lastKey === null ? { ...table.offset, snapshot: 'done', last_key: null } : { ...table.offset, last_key: chunk.lastKey };
      const meta: ChangeMeta = { ...txn.meta, snapshot: true, txid: null };
      for (const row of chunk.rows) {
        await this.push(txn, this.inStream(table.records.read(table.shape, row, txn.offset, meta)));
      }
      table.offset = offset;
      txn.positions.set(table, this.tablePosition(table));
      if (this.options.progress) {
        this.options.progress.chunk(table.name, chunk.rows.length, 'incremental snapshot');
        if (chunk.lastKey === null) this.options.progress.finished(table.name);
      } else this.options.ctx.metrics.count('source_snapshot_rows_total', chunk.rows.length, { table: table.name });
      return;
    }
    if (prefix === SIGNAL_PREFIX) await this.onSignal(content, txn);
  }

  /** `{"type":"execute-snapshot","data":{"data-collections":["public.orders"]}}` (Debezium's shape) or `{"type":"execute-snapshot","tables":[…]}`. */
  private async onSignal(content: string, txn: OpenTransaction): Promise<void> {
    let signal: { type?: string; tables?: string[]; data?: { 'data-collections'?: string[] } };
    try {
      signal = JSON.parse(content);
    } catch {
      this.options.ctx.logger.warn({ content }, 'signal ignored: not JSON');
      return;
    }
    if (signal.type !== 'execute-snapshot') {
      this.options.ctx.logger.warn({ type: signal.type }, 'signal ignored: only execute-snapshot is known');
      return;
    }
    for (const name of signal.tables ?? signal.data?.['data-collections'] ?? []) {
      const table = this.options.tables.get(name);
      if (!table) {
        this.options.ctx.logger.warn({ table: name }, 'execute-snapshot ignored for a table that is not captured');
        continue;
      }
      if (table.keys === null) {
        this.options.ctx.logger.warn({ table: name }, 'execute-snapshot ignored: a table without a primary key cannot be snapshotted in chunks while streaming');
        continue;
      }
      table.offset = { ...freshTableOffset('incremental'), segments: table.offset.segments, segments_until: table.offset.segments_until };
      this.options.incremental.add(table);
      // its progress starts at 0 of PostgreSQL's estimate of its rows (one query, per signal)
      await this.options.progress?.begin(this.options.sql(), [table], 'incremental snapshot');
      // The signal's transaction stores the new snapshot state with its position.
      txn.positions.set(table, this.tablePosition(table));
      this.options.ctx.logger.info({ table: name, xid: txn.xid }, 'execute-snapshot signal: incremental snapshot queued');
    }
  }

  /** A record just built by the table's ChangeRecords (no one else holds it), as part of the stream's open transaction. */
  private inStream(record: SourceRecord): SourceRecord {
    record.sourcePartition = this.options.streamPartition;
    record.inTransaction = true;
    return record;
  }

  /** A record that only stores how far a table's snapshot got. */
  private tablePosition(table: CapturedTable): SourceRecord {
    return {
      topic: table.topic,
      sourcePartition: table.partition,
      sourceOffset: table.offset,
      keySchema: null,
      key: null,
      valueSchema: table.shape.valueSchema,
      value: null,
      positionOnly: true,
    };
  }

  private async push(txn: OpenTransaction, record: SourceRecord): Promise<void> {
    if (this.stopped) return;
    txn.records++;
    await this.options.queue.push(record);
  }

  private async onCommit(endLsn: string): Promise<void> {
    const txn = this.current;
    this.current = undefined;
    if (!txn || txn.skip || this.stopped) return;
    this.handed = endLsn;
    if (txn.records === 0 && txn.positions.size === 0) {
      await this.options.queue.ack(endLsn);
      return;
    }
    // The transaction's table positions and its own go with its last record: a marker that closes it.
    const offset: StreamOffset = { phase: 'stream', lsn: endLsn };
    const first = [...this.options.tables.values()][0];
    const closing: SourceRecord = {
      topic: first?.topic ?? '',
      sourcePartition: this.options.streamPartition,
      sourceOffset: offset,
      keySchema: null,
      key: null,
      valueSchema: first?.shape.valueSchema ?? {},
      value: null,
      positionOnly: true,
    };
    await this.options.queue.end([...txn.positions.values(), closing], endLsn);
  }
}

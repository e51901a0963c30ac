import { ConnectionError, type PluginContext, type SourcePartition, type SourceRecord } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import type { ChangeMeta, Tuple } from '../change-records.ts';
import type { CapturedTable } from './captured-table.ts';
import type { ChangeQueue } from './change-queue.ts';
import { CHUNK_WATERMARK, type IncrementalSnapshots } from './incremental-snapshot.ts';
import { compareLsn, normalizeLsn } from './lsn.ts';
import { freshTableOffset, type KeyRange, offsetAfterChunk, type StreamOffset } from './offsets.ts';
import { columnsFromRelation, type RelationMessage, type TypeCatalog } from './relation-columns.ts';
import { keptChange } from './resumed-snapshot-filter.ts';
import type { SnapshotProgress } from './snapshot-progress.ts';
import { type AbortedTransactions, type StreamedTransaction, StreamedTransactions } from './streamed-transactions.ts';
import { describeColumns } from './table-schema.ts';
import type { WalMessage } from './wal-stream.ts';

/** Prefix of the WAL messages that ask for something (Debezium's signals): `execute-snapshot`. */
export const SIGNAL_PREFIX = 'buyonline-signal';

/** Where a change goes: the committed transaction being received, or a segment of a streamed one. */
interface ChangeTarget {
  /** The top-level transaction (source.txid; a resumed snapshot's visibility). */
  xid: number;
  /** The position a resumed snapshot's filter judges the change by. */
  filterLsn: string;
  offset: StreamOffset;
  meta: ChangeMeta;
  /** One more record of it was queued. */
  queued(table: CapturedTable): void;
}

/** The source transaction being received (protocol 1, or a committed one between streamed segments). */
interface OpenTransaction extends ChangeTarget {
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
}

/** Ends of source transactions not yet closed because a streamed transaction is open: their records are in the open Kafka transaction. */
interface Carried {
  endLsn: string;
  records: number;
  positions: Map<CapturedTable, SourceRecord>;
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
  /** Aborted streamed (sub)transactions, kept by the task across sessions. */
  aborted: AbortedTransactions;
}

/**
 * Turns the slot's pgoutput messages into change records of the captured tables, transaction by
 * transaction: each record is queued as part of its source transaction, and the transaction's end
 * closes it with the stream position. Transactions already in Kafka (a re-delivery after a restart)
 * are dropped; so are changes a resumed snapshot already read, and chunk rows of an incremental
 * snapshot that the stream overtook.
 *
 * A large transaction PostgreSQL streams before it commits (protocol 2) is queued as it arrives,
 * into the open Kafka transaction; no source transaction is closed while any streamed one is open
 * (the ends of those committed meanwhile are carried to the next close). A streamed
 * (sub)transaction that aborts after some of its changes were queued fails the stream: the
 * worker aborts the open Kafka transaction and resumes from Kafka, where the abort, remembered,
 * drops its changes.
 */
export class StreamDecoder {
  private current: OpenTransaction | undefined;
  private streams: StreamedTransactions;
  private carried: Carried | undefined;
  /** Where this session streams from: a streamed change's `source.lsn` is never before it (a snapshot row's position ties, Kafka order decides). */
  private from = '0/0';
  /** Streamed transactions open when the last chunk's low watermark came: its rows may be older than their changes. */
  private openAtLowMark: StreamedTransaction[] = [];
  /** End LSN of the last transaction queued (re-deliveries that commit before it are dropped). */
  private handed = '0/0';
  /** The stream failed: nothing more is queued (a transaction missing a change must never look complete). */
  private stopped = false;
  /** `schema.table` of each Relation message, built once: not a string per change (the table map is looked up by it). */
  private readonly qualifiedNames = new WeakMap<RelationMessage, string>();

  constructor(private readonly options: StreamDecoderOptions) {
    this.streams = new StreamedTransactions(options.aborted);
  }

  /** Inside a source transaction now (its end not yet queued). */
  get inTransaction(): boolean {
    return this.current !== undefined || this.streams.anyOpen;
  }

  /** A streamed transaction is open (its end, and that of everything after it, not yet queued). */
  get streaming(): boolean {
    return this.streams.anyOpen;
  }

  /** Since when (ms since 1970) the oldest streamed transaction is open. */
  get streamingSinceMs(): number | undefined {
    return this.streams.oldestStartedMs;
  }

  /** Starts over from `lsn` (everything before it is in Kafka). */
  reset(lsn: string): void {
    this.current = undefined;
    this.streams = new StreamedTransactions(this.options.aborted);
    this.carried = undefined;
    this.openAtLowMark = [];
    this.handed = lsn;
    this.from = lsn;
    this.stopped = false;
  }

  /** The stream failed: a message still being handled queues nothing more. */
  stop(): void {
    this.stopped = true;
    this.current = undefined;
  }

  /** A pgoutput message and the WAL position it was sent at (a streamed change's own). */
  async onMessage(message: WalMessage, lsn = '0/0'): Promise<void> {
    if (this.stopped) return;
    const xid = message.xid as number | undefined;
    switch (message.tag) {
      case 'stream-start':
        this.streams.start(xid as number, this.options.ctx.now() * 1000);
        return;
      case 'stream-stop':
        this.streams.stop();
        return;
      case 'stream-commit':
        await this.onStreamCommit(xid as number, normalizeLsn(message.commitLsn as string), normalizeLsn(message.commitEndLsn as string), message.commitTime as bigint);
        return;
      case 'stream-abort':
        await this.onStreamAbort(xid as number, message.subxid as number, normalizeLsn(lsn));
        return;
      case 'begin':
        this.onBegin(normalizeLsn(message.commitLsn as string), message.xid as number, message.commitTime as bigint);
        return;
      case 'relation':
        await this.onRelation(message as unknown as RelationMessage);
        return;
      case 'insert':
      case 'update':
      case 'delete':
        await this.onChange(this.target(xid, lsn), message.tag, message.relation as RelationMessage, (message.new as Tuple | undefined) ?? null, ((message.old ?? message.key) as Tuple | undefined) ?? null);
        return;
      case 'truncate':
        await this.onTruncate(this.target(xid, lsn), message.relations as RelationMessage[]);
        return;
      case 'message': {
        const content = Buffer.from(message.content as Uint8Array).toString('utf8');
        // A streamed transaction's messages count once it commits, where protocol 1 delivers them.
        if (xid !== undefined) this.streams.deferMessage(xid, message.prefix as string, content);
        else if (this.current && !this.current.skip) await this.onLogicalMessage(this.current, message.prefix as string, content);
        return;
      }
      case 'commit':
        await this.onCommit(normalizeLsn(message.commitEndLsn as string));
        return;
      default:
        return; // 'type', 'origin'
    }
  }

  /** Where a change goes: inside a stream its xid came first. */
  private target(xid: number | undefined, lsn: string): ChangeTarget | undefined {
    if (xid !== undefined) return this.streamedTarget(xid, normalizeLsn(lsn));
    return this.current?.skip ? undefined : this.current;
  }

  private tableOf(relation: RelationMessage | undefined): CapturedTable | undefined {
    if (!relation) return undefined;
    let name = this.qualifiedNames.get(relation);
    if (name === undefined) {
      name = `${relation.schema}.${relation.name}`;
      this.qualifiedNames.set(relation, name);
    }
    return this.options.tables.get(name);
  }

  private onBegin(commitLsn: string, xid: number, commitTime: bigint): void {
    // A transaction is in Kafka already when it committed before the end of the last one handed out.
    const skip = compareLsn(commitLsn, this.handed) < 0;
    this.current = committedTransaction(xid, commitLsn, commitTime, skip);
  }

  /**
   * Where a change of streamed (sub)transaction `xid` goes, sent at `lsn`; none when it (or its
   * transaction) aborted. Its commit is still unknown: `source.lsn` is its own WAL position (not
   * before where this session streams from) and its time that of its transaction's first segment.
   */
  private streamedTarget(xid: number, lsn: string): ChangeTarget | undefined {
    const txn = this.streams.current;
    if (!txn || this.streams.dropped(xid)) return undefined;
    const at = compareLsn(lsn, this.from) > 0 ? lsn : this.from;
    const meta: ChangeMeta = { txid: txn.xid, lsn: at, snapshot: false, tsUs: txn.startedUs, position: `{"lsn":"${at}","phase":"stream","streamed":true}` };
    return { xid: txn.xid, filterLsn: at, offset: { phase: 'stream', lsn: at }, meta, queued: (table) => this.streams.queued(txn, xid, table) };
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

  private async onChange(txn: ChangeTarget | undefined, tag: 'insert' | 'update' | 'delete', relation: RelationMessage, newTuple: Tuple | null, oldTuple: Tuple | null): Promise<void> {
    const table = this.tableOf(relation);
    if (!txn || !table) return;
    const keyText = table.keys?.keyText(newTuple ?? oldTuple ?? {}) ?? null;
    const kept = await keptChange(this.options.sql(), table, txn.filterLsn, txn.xid, newTuple, oldTuple);
    if (kept === 'none') return;
    this.options.incremental.onChange(table, keyText);
    if (oldTuple && table.keys) this.options.incremental.onChange(table, table.keys.keyText(oldTuple));
    const { shape, records } = table;
    let out: SourceRecord[];
    if (tag === 'insert' || kept === 'insert') out = records.insert(shape, newTuple ?? {}, txn.offset, txn.meta);
    else if (tag === 'update' && kept === 'all') out = records.update(shape, oldTuple, newTuple ?? {}, txn.offset, txn.meta);
    else out = records.delete(shape, oldTuple ?? {}, txn.offset, txn.meta);
    for (const record of out) await this.push(txn, table, this.inStream(record));
  }

  private async onTruncate(txn: ChangeTarget | undefined, relations: readonly RelationMessage[]): Promise<void> {
    if (!txn) return;
    for (const relation of relations) {
      const table = this.tableOf(relation);
      if (!table) continue;
      this.options.incremental.onTruncate(table);
      const record = table.records.truncate(table.shape, txn.offset, txn.meta);
      await this.push(txn, table, this.inStream(record));
    }
  }

  /** A transactional message of a committed transaction (non-transactional ones, and re-deliveries, ask for nothing). */
  private async onLogicalMessage(txn: OpenTransaction, prefix: string, content: string): Promise<void> {
    if (prefix === CHUNK_WATERMARK) {
      const chunk = this.options.incremental.onWatermark(content);
      if (!chunk) {
        this.openAtLowMark = [...this.streams.openTransactions()];
        return;
      }
      const { table } = chunk;
      // A streamed transaction open meanwhile may have changed rows the chunk read before it
      // committed (its changes were queued before the chunk's rows): the chunk is read again.
      const touched = [...this.openAtLowMark, ...this.streams.openTransactions()].some((streamed) => streamed.tables.has(table));
      this.openAtLowMark = [];
      if (touched) {
        this.options.incremental.add(table);
        return;
      }
      const offset = offsetAfterChunk(table.offset, chunk);
      const meta: ChangeMeta = { ...txn.meta, snapshot: true, txid: null };
      for (const row of chunk.rows) {
        await this.push(txn, table, this.inStream(table.records.read(table.shape, row, txn.offset, meta)));
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

  /**
   * `{"type":"execute-snapshot","data":{"data-collections":["public.orders"]}}` (Debezium's shape) or
   * `{"type":"execute-snapshot","tables":[…]}`; with `data.ranges` (or `ranges`), `[{"after": k1,
   * "upTo": k2}, …]`, only the keys in those ranges (k1, k2] are read (null: unbounded).
   */
  private async onSignal(content: string, txn: OpenTransaction): Promise<void> {
    let signal: { type?: string; tables?: string[]; ranges?: unknown; data?: { 'data-collections'?: string[]; ranges?: unknown } };
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
    const ranges = keyRanges(signal.data?.ranges ?? signal.ranges);
    if (ranges === undefined) {
      this.options.ctx.logger.warn({ content }, 'execute-snapshot ignored: ranges must be a list of {"after": key or null, "upTo": key or null}');
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
      const fresh = { ...freshTableOffset('incremental'), segments: table.offset.segments, segments_until: table.offset.segments_until };
      table.offset = ranges.length > 0 ? { ...fresh, ranges: JSON.stringify(ranges) } : fresh;
      this.options.incremental.add(table);
      // its progress starts at 0 of PostgreSQL's estimate of its rows (one query, per signal)
      await this.options.progress?.begin(this.options.sql(), [table], 'incremental snapshot');
      // The signal's transaction stores the new snapshot state with its position.
      txn.positions.set(table, this.tablePosition(table));
      this.options.ctx.logger.info({ table: name, xid: txn.xid, ranges: ranges.length }, 'execute-snapshot signal: incremental snapshot queued');
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

  private async push(txn: ChangeTarget, table: CapturedTable, record: SourceRecord): Promise<void> {
    if (this.stopped) return;
    txn.queued(table);
    await this.options.queue.push(record);
  }

  private async onCommit(endLsn: string): Promise<void> {
    const txn = this.current;
    this.current = undefined;
    if (!txn || txn.skip || this.stopped) return;
    this.handed = endLsn;
    await this.close(endLsn, txn.records, txn.positions);
  }

  /** Stream Commit: the transaction's messages count now, and its end closes the Kafka transaction unless another streamed one is open. */
  private async onStreamCommit(xid: number, commitLsn: string, endLsn: string, commitTime: bigint): Promise<void> {
    const streamed = this.streams.commit(xid);
    if (this.stopped) return;
    this.handed = endLsn;
    const txn = committedTransaction(xid, commitLsn, commitTime, false);
    for (const message of streamed?.messages ?? []) await this.onLogicalMessage(txn, message.prefix, message.content);
    await this.close(endLsn, (streamed?.records ?? 0) + txn.records, txn.positions);
  }

  /** Stream Abort: its changes already queued must never be read: the stream fails, the worker aborts the open Kafka transaction. */
  private async onStreamAbort(xid: number, subxid: number, abortLsn: string): Promise<void> {
    const outcome = this.streams.abort(xid, subxid, abortLsn);
    if (this.stopped) return;
    if (outcome === 'restart') {
      const which = subxid === xid ? `transaction ${xid}` : `subtransaction ${subxid} of transaction ${xid}`;
      throw new ConnectionError(`streamed ${which} aborted after some of its changes were queued: the open Kafka transaction is aborted and the stream resumes from Kafka without them`);
    }
    const carried = this.carried;
    if (carried && !this.streams.anyOpen) {
      this.carried = undefined;
      await this.close(carried.endLsn, carried.records, carried.positions);
    }
  }

  /**
   * The end of a committed transaction: queued with its records' count and table positions, or,
   * while a streamed transaction is open, carried to the end of the next one queued.
   */
  private async close(endLsn: string, records: number, positions: Map<CapturedTable, SourceRecord>): Promise<void> {
    const before = this.carried;
    if (before) {
      records += before.records;
      positions = new Map([...before.positions, ...positions]);
    }
    if (this.streams.anyOpen) {
      this.carried = { endLsn, records, positions };
      return;
    }
    this.carried = undefined;
    if (records === 0 && positions.size === 0) {
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
    await this.options.queue.end([...positions.values(), closing], endLsn);
  }
}

/** A committed transaction, from its Begin (or its Stream Commit): its records share one meta. */
function committedTransaction(xid: number, commitLsn: string, commitTime: bigint, skip: boolean): OpenTransaction {
  const meta: ChangeMeta = { txid: xid, lsn: commitLsn, snapshot: false, tsUs: Number(commitTime), position: JSON.stringify({ lsn: commitLsn, phase: 'stream' }) };
  const txn: OpenTransaction = {
    xid,
    filterLsn: commitLsn,
    commitLsn,
    skip,
    records: 0,
    positions: new Map(),
    offset: { phase: 'stream', lsn: commitLsn },
    meta,
    queued: () => {
      txn.records++;
    },
  };
  return txn;
}

const bound = (v: unknown): v is string | null => v === null || typeof v === 'string';

/** A signal's key ranges ([] when it has none: the whole table); undefined when they are not ranges. */
export function keyRanges(value: unknown): KeyRange[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return undefined;
  const ranges: KeyRange[] = [];
  for (const r of value as unknown[]) {
    const { after = null, upTo = null } = (r ?? {}) as { after?: unknown; upTo?: unknown };
    if (typeof r !== 'object' || r === null || !bound(after) || !bound(upTo)) return undefined;
    ranges.push({ after, upTo });
  }
  return ranges;
}

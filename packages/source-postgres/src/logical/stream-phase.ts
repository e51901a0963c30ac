import { ConfigError, ConnectionError, describeError, type PluginContext, type SourcePartition, type SourceRecord } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import type { PostgresSourceConfig } from '../config.ts';
import type { CapturedTable } from './captured-table.ts';
import { type Batch, ChangeQueue } from './change-queue.ts';
import type { IncrementalSnapshots } from './incremental-snapshot.ts';
import { compareLsn, normalizeLsn } from './lsn.ts';
import type { TableOffset } from './offsets.ts';
import { PendingAcknowledgements } from './pending-acks.ts';
import { listsSeveralHosts } from './primary-host.ts';
import { ReadOnlyChunks } from './read-only-chunks.ts';
import type { TypeCatalog } from './relation-columns.ts';
import { SlotMonitor } from './slot-monitor.ts';
import { ensureSlotOnPrimary } from './slot-on-primary.ts';
import type { SnapshotProgress } from './snapshot-progress.ts';
import { StreamDecoder } from './stream-decoder.ts';
import { AbortedTransactions } from './streamed-transactions.ts';
import { StreamingFallback } from './streaming-fallback.ts';
import { WalStream } from './wal-stream.ts';

export type StreamPhaseOptions = Pick<
  PostgresSourceConfig,
  | 'url'
  | 'slot'
  | 'publication'
  | 'batchSize'
  | 'batchBytes'
  | 'pollIntervalMs'
  | 'slotCheckIntervalMs'
  | 'slotLagWarnBytes'
  | 'heartbeatIntervalMs'
  | 'heartbeat'
  | 'streamedTransactionMaxMs'
  | 'logicalDecodingWorkMem'
>;

/** What the stream phase reads with, shared with the task (which fills the tables and the incremental snapshots at start). */
export interface StreamPhaseContext {
  tables: ReadonlyMap<string, CapturedTable>;
  incremental: IncrementalSnapshots;
  types: TypeCatalog;
  progress: SnapshotProgress;
  sql: () => Sql;
  /** The server the replication connection goes to now (the standby itself, else the writable primary). */
  replicationUrl: () => Promise<string>;
  ctx: PluginContext;
}

/** Where a stream phase starts: what Kafka holds (resumed from), what the slot confirmed, and whether large transactions stream before their commit. */
export interface StreamStart {
  partition: SourcePartition;
  committedLsn: string;
  confirmedLsn: string;
  /** Large transactions stream before they commit (PostgreSQL 14+, not on a standby). */
  streamInProgress: boolean;
}

/**
 * The slot's stream after the initial snapshot: the WAL stream and its decoder, batches handed to
 * the worker and confirmed once Kafka committed them, a failed stream reconnected from what the
 * worker has, and streamed transactions (their aborts, and the fall-back to protocol 1 when one
 * stays open too long). The aborted transactions and the fall-back are kept across sessions.
 */
export class StreamPhase {
  private wal: WalStream | undefined;
  private decoder: StreamDecoder | undefined;
  private partition: SourcePartition = {};
  private streamInProgress = false;
  /** End LSN of the last transaction known to be in Kafka: where a new session resumes. */
  private committedLsn = '0/0';
  /**
   * End LSN of the last source transaction handed to the worker (in Kafka, or in a Kafka
   * transaction committing now): where a dropped replication connection resumes, so nothing
   * still committing is decoded twice. Should such a transaction abort, the worker starts a new
   * session, which resumes from what Kafka committed.
   */
  private handedLsn = '0/0';
  /** Each table's position as last handed to the worker: what a reconnected stream goes on from. */
  private readonly handedTables = new Map<SourcePartition, TableOffset>();
  /** Stream batches handed out and not yet in Kafka (the worker builds the next while one commits). */
  private readonly pending = new PendingAcknowledgements();
  private streamError: unknown;
  /** Records handed out first: the truncate markers of tables added back, and the captured tables. */
  private opening: SourceRecord[] = [];
  private readonly queue: ChangeQueue;
  private readonly monitor: SlotMonitor;
  /** Streamed (sub)transactions that aborted: kept across sessions, so the restart an abort causes is not repeated. */
  private readonly aborted = new AbortedTransactions();
  /** Protocol 1 for a while after a streamed transaction stayed open too long (kept across sessions). */
  private readonly fallback: StreamingFallback;

  constructor(
    private readonly options: StreamPhaseOptions,
    private readonly context: StreamPhaseContext,
  ) {
    const { ctx } = context;
    this.queue = new ChangeQueue({ records: options.batchSize, bytes: options.batchBytes });
    this.monitor = new SlotMonitor(
      { slot: options.slot, checkIntervalMs: options.slotCheckIntervalMs, lagWarnBytes: options.slotLagWarnBytes, heartbeatIntervalMs: options.heartbeatIntervalMs, writeHeartbeats: options.heartbeat === 'write' },
      ctx,
    );
    this.fallback = new StreamingFallback(options.streamedTransactionMaxMs, () => ctx.now());
  }

  /** Records to hand out before anything streamed (set before `start`). */
  handOutFirst(records: readonly SourceRecord[]): void {
    this.opening.push(...records);
  }

  /** Streams after `committedLsn` (what Kafka holds) from the primary of the URL's hosts now. */
  async start(at: StreamStart): Promise<void> {
    this.partition = at.partition;
    this.streamInProgress = at.streamInProgress;
    this.committedLsn = at.committedLsn;
    this.startStreaming(at.confirmedLsn, await this.context.replicationUrl(), at.committedLsn);
  }

  /** Streams from the primary of the URL's hosts now (the promoted standby after a failover), after `fromLsn`. */
  private startStreaming(ackedLsn: string, replicationUrl: string, fromLsn: string): void {
    const { ctx, incremental, progress } = this.context;
    const decoder = new StreamDecoder({
      tables: this.context.tables,
      queue: this.queue,
      incremental,
      types: this.context.types,
      sql: this.context.sql,
      streamPartition: this.partition,
      ctx,
      progress,
      aborted: this.aborted,
    });
    decoder.reset(fromLsn);
    this.decoder = decoder;
    this.handedLsn = fromLsn;
    this.handedTables.clear();
    for (const table of this.context.tables.values()) this.handedTables.set(table.partition, table.offset);
    this.streamError = undefined;
    this.monitor.touch();
    let keepalive = fromLsn;
    const chunks = new ReadOnlyChunks({ incremental, queue: this.queue, streamPartition: this.partition, progress, ctx }, fromLsn);
    const wal = new WalStream({
      url: replicationUrl,
      slot: this.options.slot,
      publication: this.options.publication,
      streaming: this.streamInProgress && this.fallback.on,
      ...(this.options.logicalDecodingWorkMem ? { settings: { logical_decoding_work_mem: this.options.logicalDecodingWorkMem } } : {}),
      onMessage: async (message, lsn) => {
        this.monitor.touch();
        if (message.tag === 'begin') await chunks.beforeBegin(normalizeLsn(message.commitLsn as string));
        await decoder.onMessage(message, lsn);
        if (message.tag === 'commit') await chunks.handledUpTo(normalizeLsn(message.commitEndLsn as string));
      },
      onKeepalive: async (walEnd) => {
        // Nothing before the keepalive's WAL end is left to decode: outside a source transaction
        // it is confirmable as an empty transaction's end, in order behind what is queued.
        if (decoder.inTransaction || compareLsn(walEnd, keepalive) <= 0) return;
        keepalive = walEnd;
        await chunks.handledUpTo(walEnd);
        await this.queue.ack(walEnd);
      },
      onError: (err) => {
        this.streamError = err;
        decoder.stop(); // a message still being handled queues nothing more
        this.queue.clear(); // releases a stream waiting for room, and wakes a waiting poll
      },
    });
    this.wal = wal;
    wal.start(fromLsn, ackedLsn);
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    await this.throwIfStreamFailed();
    if (this.opening.length > 0) {
      const records = this.opening;
      this.opening = [];
      this.handedOut({ records, endLsn: undefined, ackNow: undefined });
      return records;
    }
    const sql = this.context.sql();
    const { incremental } = this.context;
    await this.monitor.check(sql);
    // No chunk starts while a streamed transaction is open: its rows might be older than the changes already queued.
    if (!this.decoder?.streaming) incremental.kick();
    // A read chunk waits for the stream to pass its replay position: a keepalive tells where the stream is.
    if (incremental.waitingForStream) this.wal?.requestKeepalive();
    await this.queue.wait(this.options.pollIntervalMs, signal);
    await this.checkStreamingDuration();
    await this.throwIfStreamFailed();
    if (!this.queue.waiting) {
      await this.monitor.heartbeatIfIdle(sql);
      return [];
    }
    const batch = this.queue.take(() => this.decoder?.inTransaction === true);
    this.handedOut(batch);
    // Ends of empty transactions alone: confirmed now, or with the batch still out (one left open, or committing).
    const empty = batch.records.length === 0 ? (batch.ackNow ?? batch.endLsn) : batch.ackNow;
    const now = empty === undefined ? undefined : this.pending.emptyTransactionEnd(empty);
    if (now) await this.acknowledge(now);
    return batch.records;
  }

  /**
   * A streamed transaction open too long fails the stream, which resumes on protocol 1 (the
   * worker aborts the open Kafka transaction); after the cool-down, at a moment nothing is in
   * flight, the stream reconnects asking for streaming again.
   */
  private async checkStreamingDuration(): Promise<void> {
    if (!this.streamInProgress || this.streamError) return;
    if (this.fallback.tooLong(this.decoder?.streamingSinceMs)) {
      const err = new ConnectionError(`a transaction streamed before its commit is open longer than ${this.options.streamedTransactionMaxMs} ms: resuming without streaming for a while`);
      this.context.ctx.logger.warn({ slot: this.options.slot }, err.message);
      this.streamError = err;
      this.decoder?.stop();
      this.queue.clear();
      return;
    }
    const idle = !this.queue.waiting && this.decoder?.inTransaction === false && !this.pending.inFlight;
    if (idle && !this.fallback.on && this.fallback.backOn()) {
      this.context.ctx.logger.info({ slot: this.options.slot }, 'streaming large transactions again');
      await this.restartStream();
    }
  }

  /** What the worker now has: a reconnected stream goes on after it. */
  private handedOut(batch: Batch): void {
    this.pending.handedOut(batch.records, batch.endLsn);
    for (const lsn of [batch.endLsn, batch.ackNow]) if (lsn !== undefined && compareLsn(lsn, this.handedLsn) > 0) this.handedLsn = lsn;
    for (const record of batch.records) {
      if (record.positionOnly && record.sourcePartition !== this.partition) this.handedTables.set(record.sourcePartition, record.sourceOffset as TableOffset);
    }
  }

  /**
   * A stream that failed (a dropped connection, a message it could not handle) is reconnected
   * from what the worker has, and the poll fails (a Kafka transaction left open by a source
   * transaction handed out in part is then aborted by the worker, which starts a new session).
   */
  private async throwIfStreamFailed(): Promise<void> {
    if (!this.streamError) return;
    const err = this.streamError;
    // A refusal (e.g. a column added that would share another's Avro name) is no outage: reading again would meet it again.
    if (err instanceof ConfigError) throw err;
    const from = await this.restartStream();
    throw new ConnectionError(`replication stream failed: ${describeError(err)}; reconnecting after ${from}`, { cause: err });
  }

  /**
   * After a stream failure: everything not yet handed to the worker is read again from the WAL,
   * from the end of the last source transaction handed over (what is still committing to Kafka
   * is not decoded again; its commit still confirms the slot). Tables go on from the positions
   * handed over; a snapshot chunk in flight is read again. Returns where the stream resumes.
   */
  private async restartStream(): Promise<string> {
    // The primary now (after a failover, the promoted standby) must hold the slot; until a host is
    // the primary this fails as an outage, and the next poll tries again.
    const url = this.options.url.reveal();
    const replicationUrl = await this.context.replicationUrl();
    await ensureSlotOnPrimary(replicationUrl, this.options.slot, listsSeveralHosts(url));
    const acked = this.wal?.ackedLsn ?? this.committedLsn;
    await this.wal?.stop();
    this.wal = undefined;
    this.queue.clear();
    const { incremental } = this.context;
    incremental.reset();
    const from = compareLsn(this.handedLsn, this.committedLsn) > 0 ? this.handedLsn : this.committedLsn;
    for (const table of this.context.tables.values()) {
      const handed = this.handedTables.get(table.partition);
      if (handed && handed !== table.offset) table.setOffset(handed);
      if (table.offset.snapshot !== 'done') incremental.add(table);
    }
    this.startStreaming(acked, replicationUrl, from);
    return from;
  }

  /** Confirms to PostgreSQL that everything before `lsn` (a commit's end) is in Kafka: exactly there, never past it. */
  async acknowledge(lsn: string): Promise<void> {
    this.aborted.forgetBefore(lsn);
    if (compareLsn(lsn, this.committedLsn) > 0) {
      this.committedLsn = lsn;
      this.context.ctx.status?.report('stream', `slot ${this.options.slot}`, { position: lsn });
    }
    await this.wal?.acknowledge(lsn);
  }

  /** Kafka has committed these (and everything before them): only now may PostgreSQL forget the WAL behind them. */
  async commit(records: readonly SourceRecord[]): Promise<void> {
    const lsn = this.pending.committed(records);
    if (lsn) await this.acknowledge(lsn);
  }

  /** A new session: nothing queued, out or failed (the aborted transactions and the fall-back stay). */
  reset(): void {
    this.queue.clear();
    this.pending.clear();
    this.streamError = undefined;
    this.opening = [];
  }

  async stop(): Promise<void> {
    this.queue.clear();
    await this.wal?.stop();
    this.wal = undefined;
  }
}

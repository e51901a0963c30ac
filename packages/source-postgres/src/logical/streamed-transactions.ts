import type { CapturedTable } from './captured-table.ts';
import { compareLsn } from './lsn.ts';

/**
 * Aborted (sub)transactions whose changes PostgreSQL streamed: kept by the task across sessions,
 * so that when a session restarts (its Kafka transaction aborted) the same transaction streamed
 * again is dropped instead of restarting once more. Each is forgotten once Kafka holds a position
 * past its abort: a session resuming from there is never sent it again.
 */
export class AbortedTransactions {
  /** xid → WAL position of its Stream Abort. */
  private readonly xids = new Map<number, string>();

  remember(xid: number, abortLsn: string): void {
    this.xids.set(xid, abortLsn);
  }

  has(xid: number): boolean {
    return this.xids.has(xid);
  }

  get size(): number {
    return this.xids.size;
  }

  /** Kafka holds everything before `lsn`: aborts before it are never streamed again. */
  forgetBefore(lsn: string): void {
    for (const [xid, abortLsn] of this.xids) if (compareLsn(abortLsn, lsn) < 0) this.xids.delete(xid);
  }
}

/** A transaction PostgreSQL streams before it commits (from its first Stream Start of this session). */
export interface StreamedTransaction {
  xid: number;
  /** µs since 1970 when its first segment arrived: its records' time while the commit time is unknown. */
  startedUs: number;
  /** Records queued from it (or its subtransactions) in this session. */
  records: number;
  /** The (sub)transaction xids whose changes were queued. */
  readonly queuedXids: Set<number>;
  /** Tables it changed: an incremental snapshot chunk of one of them read meanwhile may be stale. */
  readonly tables: Set<CapturedTable>;
  /** Its transactional logical messages (signals, watermarks): handled at its commit, as protocol 1 delivers them. */
  readonly messages: { xid: number; prefix: string; content: string }[];
}

/** What a Stream Abort asks for. */
export type AbortOutcome =
  /** Nothing of it was queued: drop the rest (remembered), go on. */
  | 'dropped'
  /** Some of its changes were queued: the open Kafka transaction must abort and the session restart. */
  | 'restart';

/**
 * The streamed transactions of one session: which are open (several may be, their segments
 * interleaved with each other and with whole committed transactions), which one the current
 * segment belongs to, and which (sub)transactions aborted.
 */
export class StreamedTransactions {
  private readonly open = new Map<number, StreamedTransaction>();
  private segment: StreamedTransaction | undefined;

  constructor(private readonly aborted: AbortedTransactions) {}

  /** Some streamed transaction has not committed or aborted yet: no Kafka transaction may close. */
  get anyOpen(): boolean {
    return this.open.size > 0;
  }

  /** The transaction of the segment being received (between Stream Start and Stream Stop). */
  get current(): StreamedTransaction | undefined {
    return this.segment;
  }

  /** When (ms since 1970) the oldest open streamed transaction's first segment came. */
  get oldestStartedMs(): number | undefined {
    let oldest: number | undefined;
    for (const txn of this.open.values()) if (oldest === undefined || txn.startedUs < oldest) oldest = txn.startedUs;
    return oldest === undefined ? undefined : oldest / 1000;
  }

  /** Every open streamed transaction. */
  openTransactions(): Iterable<StreamedTransaction> {
    return this.open.values();
  }

  start(xid: number, nowUs: number): StreamedTransaction {
    let txn = this.open.get(xid);
    if (!txn) {
      txn = { xid, startedUs: nowUs, records: 0, queuedXids: new Set(), tables: new Set(), messages: [] };
      this.open.set(xid, txn);
    }
    this.segment = txn;
    return txn;
  }

  stop(): void {
    this.segment = undefined;
  }

  /** A change of (sub)transaction `xid` in the current segment is to be dropped: it, or its top-level transaction, aborted. */
  dropped(xid: number): boolean {
    return this.aborted.has(xid) || (this.segment !== undefined && this.aborted.has(this.segment.xid));
  }

  /** One record of (sub)transaction `xid` of `txn` was queued. */
  queued(txn: StreamedTransaction, xid: number, table: CapturedTable | undefined): void {
    txn.records++;
    txn.queuedXids.add(xid);
    if (table) txn.tables.add(table);
  }

  /** A transactional message of (sub)transaction `xid` in the current segment: kept for its commit. */
  deferMessage(xid: number, prefix: string, content: string): void {
    if (!this.segment || this.dropped(xid)) return;
    this.segment.messages.push({ xid, prefix, content });
  }

  /** Stream Commit: the transaction is no longer open. */
  commit(xid: number): StreamedTransaction | undefined {
    const txn = this.open.get(xid);
    this.open.delete(xid);
    if (this.segment === txn) this.segment = undefined;
    return txn;
  }

  /**
   * Stream Abort of `subxid` (the transaction itself when equal to `xid`), sent at `abortLsn`:
   * remembered, so its changes are dropped when streamed again.
   */
  abort(xid: number, subxid: number, abortLsn: string): AbortOutcome {
    this.aborted.remember(subxid, abortLsn);
    const txn = this.open.get(xid);
    if (subxid === xid) {
      this.open.delete(xid);
      if (this.segment === txn) this.segment = undefined;
      return txn !== undefined && txn.records > 0 ? 'restart' : 'dropped';
    }
    if (!txn) return 'dropped';
    for (let i = txn.messages.length - 1; i >= 0; i--) if ((txn.messages[i] as { xid: number }).xid === subxid) txn.messages.splice(i, 1);
    return txn.queuedXids.has(subxid) ? 'restart' : 'dropped';
  }
}

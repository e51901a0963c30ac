import type { SourceRecord } from '@buyonline/connect-api';
import { recordBytes } from './value-bytes.ts';

/**
 * What the WAL gave, in order: change records (inside a source transaction), the record that
 * closes a source transaction (its position), and the end of a transaction without captured
 * changes (only to be confirmed).
 */
type Item =
  | { kind: 'record'; record: SourceRecord; bytes: number }
  | { kind: 'end'; records: readonly SourceRecord[]; bytes: number; lsn: string }
  | { kind: 'ack'; lsn: string };

/** What one poll takes at most, in records and in bytes (about: `recordBytes`); the queue holds up to four polls' worth. */
export interface BatchLimits {
  records: number;
  bytes: number;
}

/** Polls' worth the queue holds before the stream waits. */
const QUEUED_BATCHES = 4;

export interface Batch {
  records: SourceRecord[];
  /** The end of the last source transaction closed by this batch (or by an empty one after it): confirm it once the batch is in Kafka. */
  endLsn: string | undefined;
  /** Ends of empty source transactions that may be confirmed now (nothing before them is in flight). */
  ackNow: string | undefined;
}

/**
 * A bounded queue between the WAL stream and the worker's polls. The stream waits (pausing the
 * replication connection) while more than four batches' worth of records, or of bytes, wait; a
 * batch never opens a source transaction it cannot close unless that transaction is the only work
 * left. Bytes are estimated from the records' values (string and Buffer lengths), so a table of
 * wide rows is held a few dozen rows at a time, not thousands.
 */
export class ChangeQueue {
  /** Items from `head` on wait; the slots before it were taken (emptied, so their records can be collected). */
  private items: (Item | undefined)[] = [];
  private head = 0;
  private records = 0;
  private bytes = 0;
  /** Complete source transactions waiting (their closing record is queued). */
  private ends = 0;
  /** The last record handed out left its Kafka transaction open. */
  private handedOpen = false;
  private drained: (() => void) | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly batch: BatchLimits) {}

  get waiting(): boolean {
    return this.head < this.items.length;
  }

  async push(record: SourceRecord): Promise<void> {
    await this.add({ kind: 'record', record, bytes: recordBytes(record) });
  }

  /** The records that close a source transaction (its table positions, then its own): never split between batches. */
  async end(records: readonly SourceRecord[], lsn: string): Promise<void> {
    this.ends++;
    let bytes = 0;
    for (const record of records) bytes += recordBytes(record);
    await this.add({ kind: 'end', records, bytes, lsn });
  }

  async ack(lsn: string): Promise<void> {
    await this.add({ kind: 'ack', lsn });
  }

  private async add(item: Item): Promise<void> {
    this.items.push(item);
    if (item.kind !== 'ack') {
      this.records++;
      this.bytes += item.bytes;
    }
    this.wake?.();
    if (this.records > this.batch.records * QUEUED_BATCHES || this.bytes > this.batch.bytes * QUEUED_BATCHES) {
      await new Promise<void>((resolve) => (this.drained = resolve));
    }
  }

  /** Resolves when something is queued, after `timeoutMs`, or when the signal aborts. */
  async wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.waiting) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Up to a batch's worth of records (at least one); `sourceTxnOpen` tells whether the stream is inside a source transaction now. */
  take(sourceTxnOpen: () => boolean): Batch {
    const batch: Batch = { records: [], endLsn: undefined, ackNow: undefined };
    const max = this.batch.records;
    let bytes = 0;
    while (this.head < this.items.length && batch.records.length < max && bytes < this.batch.bytes) {
      const item = this.items[this.head] as Item;
      this.items[this.head++] = undefined;
      if (item.kind === 'ack') {
        // Nothing captured in that transaction: confirm it now if nothing is in flight, else with this batch.
        if (batch.records.length === 0 && !this.handedOpen) batch.ackNow = item.lsn;
        else batch.endLsn = item.lsn;
        continue;
      }
      this.records--;
      this.bytes -= item.bytes;
      bytes += item.bytes;
      if (item.kind === 'record') batch.records.push(item.record);
      else for (const record of item.records) batch.records.push(record);
      if (item.kind === 'end') {
        this.ends--;
        batch.endLsn = item.lsn;
        // Do not open the next transaction in this batch unless it is complete: the closed ones commit now.
        if (this.ends === 0 && sourceTxnOpen()) break;
      }
    }
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    const last = batch.records.at(-1);
    if (last) this.handedOpen = last.inTransaction === true;
    if (this.records <= max && this.bytes <= this.batch.bytes) {
      this.drained?.();
      this.drained = undefined;
    }
    return batch;
  }

  /** Forgets everything queued (the stream restarts from what is in Kafka); releases a waiting stream. */
  clear(): void {
    this.wake?.();
    this.drained?.();
    this.drained = undefined;
    this.items = [];
    this.head = 0;
    this.records = 0;
    this.bytes = 0;
    this.ends = 0;
    this.handedOpen = false;
  }
}

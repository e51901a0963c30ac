import type { SourceRecord } from '@buyonline/connect-api';

/**
 * What the WAL gave, in order: change records (inside a source transaction), the record that
 * closes a source transaction (its position), and the end of a transaction without captured
 * changes (only to be confirmed).
 */
type Item = { kind: 'record'; record: SourceRecord } | { kind: 'end'; records: readonly SourceRecord[]; lsn: string } | { kind: 'ack'; lsn: string };

export interface Batch {
  records: SourceRecord[];
  /** The end of the last source transaction closed by this batch (or by an empty one after it): confirm it once the batch is in Kafka. */
  endLsn: string | undefined;
  /** Ends of empty source transactions that may be confirmed now (nothing before them is in flight). */
  ackNow: string | undefined;
}

/**
 * A bounded queue between the WAL stream and the worker's polls. The stream waits (pausing the
 * replication connection) while more than `limit` records wait; a batch never opens a source
 * transaction it cannot close unless that transaction is the only work left.
 */
export class ChangeQueue {
  private items: Item[] = [];
  private head = 0;
  private records = 0;
  /** Complete source transactions waiting (their closing record is queued). */
  private ends = 0;
  /** The last record handed out left its Kafka transaction open. */
  private handedOpen = false;
  private drained: (() => void) | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly limit: number) {}

  get waiting(): boolean {
    return this.head < this.items.length;
  }

  async push(record: SourceRecord): Promise<void> {
    await this.add({ kind: 'record', record });
  }

  /** The records that close a source transaction (its table positions, then its own): never split between batches. */
  async end(records: readonly SourceRecord[], lsn: string): Promise<void> {
    this.ends++;
    await this.add({ kind: 'end', records, lsn });
  }

  async ack(lsn: string): Promise<void> {
    await this.add({ kind: 'ack', lsn });
  }

  private async add(item: Item): Promise<void> {
    this.items.push(item);
    if (item.kind !== 'ack') this.records++;
    this.wake?.();
    if (this.records > this.limit) await new Promise<void>((resolve) => (this.drained = resolve));
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

  /** Up to `max` records; `sourceTxnOpen` tells whether the stream is inside a source transaction now. */
  take(max: number, sourceTxnOpen: () => boolean): Batch {
    const batch: Batch = { records: [], endLsn: undefined, ackNow: undefined };
    while (this.head < this.items.length && batch.records.length < max) {
      const item = this.items[this.head++] as Item;
      if (item.kind === 'ack') {
        // Nothing captured in that transaction: confirm it now if nothing is in flight, else with this batch.
        if (batch.records.length === 0 && !this.handedOpen) batch.ackNow = item.lsn;
        else batch.endLsn = item.lsn;
        continue;
      }
      this.records--;
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
    if (this.records <= max) {
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
    this.ends = 0;
    this.handedOpen = false;
  }
}

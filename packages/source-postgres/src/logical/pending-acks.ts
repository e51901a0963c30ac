import type { SourceRecord } from '@buyonline/connect-api';
import { compareLsn } from './lsn.ts';

interface HandedOut {
  /** The batch's last record: how the worker's commit names it. */
  last: SourceRecord;
  /** The end of the last source transaction the batch closed (or of an empty one after it). */
  lsn: string | undefined;
}

const later = (a: string | undefined, b: string): string => (a === undefined || compareLsn(b, a) > 0 ? b : a);

/**
 * Stream batches handed to the worker and not yet committed to Kafka, in order. The worker
 * builds the next batch while the previous one commits, so several may be out at once; a
 * commit confirms the positions of the batches up to the one it names, never a later one.
 */
export class PendingAcknowledgements {
  private out: HandedOut[] = [];

  get inFlight(): boolean {
    return this.out.length > 0;
  }

  /** Batches held: one per batch a commit may name (the polls of one open source transaction are one). */
  get held(): number {
    return this.out.length;
  }

  /**
   * A batch went out; `endLsn` may be confirmed once Kafka committed it (and everything before
   * it). A batch that follows one ending inside a source transaction joins it: the Kafka
   * transaction stays open after a record inside a source transaction, so no commit can name
   * that earlier batch, and a large transaction polled in many batches holds one entry, not
   * one per poll with its last record.
   */
  handedOut(records: readonly SourceRecord[], endLsn: string | undefined): void {
    const last = records.at(-1);
    if (!last) return;
    const previous = this.out.at(-1);
    if (previous?.last.inTransaction === true) {
      previous.last = last;
      if (endLsn !== undefined) previous.lsn = later(previous.lsn, endLsn);
      return;
    }
    this.out.push({ last, lsn: endLsn });
  }

  /**
   * The end of a source transaction without captured changes: confirmable at once when nothing is
   * out (returned), else together with the last batch out (undefined is returned).
   */
  emptyTransactionEnd(lsn: string): string | undefined {
    const last = this.out.at(-1);
    if (!last) return lsn;
    last.lsn = later(last.lsn, lsn);
    return undefined;
  }

  /** Kafka committed the batch ending with `records`: the furthest position now confirmable, if any. */
  committed(records: readonly SourceRecord[]): string | undefined {
    const last = records.at(-1);
    const upTo = last ? this.out.findIndex((b) => b.last === last) : -1;
    if (upTo < 0) return undefined;
    let lsn: string | undefined;
    for (const batch of this.out.splice(0, upTo + 1)) if (batch.lsn !== undefined) lsn = later(lsn, batch.lsn);
    return lsn;
  }

  clear(): void {
    this.out = [];
  }
}

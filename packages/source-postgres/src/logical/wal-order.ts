/** What the replication connection delivered, in the order it arrived on the wire (which is WAL order). */
/** A data message comes with the WAL position it was sent at. */
export type WalEvent<M> = { kind: 'data'; message: M; lsn: string } | { kind: 'keepalive'; walEnd: string };

export interface WalOrderOptions<M> {
  /** Handles one event; the next waits until the returned promise settles. */
  handle: (event: WalEvent<M>) => Promise<void> | void;
  /** The first failure: nothing after it is handled. */
  onError: (err: unknown) => void;
  /** Stop reading from the connection (events are piling up) / read again (the chain is drained). */
  pause: () => void;
  resume: () => void;
  /** Events held before the connection is paused. */
  highWater?: number;
}

/**
 * One chain for data and keepalives alike, so a keepalive is handled only after every message
 * that arrived before it: its WAL end says the server sent everything before that position, which
 * is true for us only once that much was handled (pg-logical-replication's own flow control
 * emits keepalives at once while its data messages still wait).
 */
export class WalOrder<M> {
  private readonly events: WalEvent<M>[] = [];
  private running = false;
  private paused = false;
  private failed = false;

  constructor(private readonly options: WalOrderOptions<M>) {}

  push(event: WalEvent<M>): void {
    if (this.failed) return;
    this.events.push(event);
    if (!this.paused && this.events.length >= (this.options.highWater ?? 64)) {
      this.paused = true;
      this.options.pause();
    }
    if (!this.running) void this.drain();
  }

  /** Drops what waits and handles nothing more (the connection is going away). */
  close(): void {
    this.failed = true;
    this.events.length = 0;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let event = this.events.shift(); event && !this.failed; event = this.events.shift()) {
        await this.options.handle(event);
      }
    } catch (err) {
      this.close();
      this.options.onError(err);
    } finally {
      this.running = false;
    }
    if (this.paused && !this.failed) {
      this.paused = false;
      this.options.resume();
    }
  }
}

/** How many times the longest a streamed transaction may stay open the stream stays on protocol 1 after one stayed open longer. */
const COOL_DOWN_FACTOR = 10;

/**
 * While a streamed transaction is open, its Kafka transaction stays open, and so does every
 * transaction committed meanwhile: none is readable until it commits, and past the Kafka
 * transaction timeout the broker aborts them all. So a streamed transaction open longer than
 * `maxOpenMs` turns streaming off: the session resumes on protocol 1 (the server spills that
 * transaction until it commits, the others flow again), and after a cool-down streaming is asked
 * for again at a moment nothing is in flight.
 */
export class StreamingFallback {
  private offSince: number | undefined;

  constructor(
    private readonly maxOpenMs: number,
    private readonly now: () => number,
  ) {}

  /** Large transactions may stream now (when the server can). */
  get on(): boolean {
    return this.offSince === undefined;
  }

  /** The oldest streamed transaction open since `openSinceMs` is open too long: streaming is off from now. */
  tooLong(openSinceMs: number | undefined): boolean {
    if (this.offSince !== undefined || openSinceMs === undefined || this.now() - openSinceMs <= this.maxOpenMs) return false;
    this.offSince = this.now();
    return true;
  }

  /** The cool-down is over: streaming is on again from now. */
  backOn(): boolean {
    if (this.offSince === undefined || this.now() - this.offSince < this.maxOpenMs * COOL_DOWN_FACTOR) return false;
    this.offSince = undefined;
    return true;
  }
}

/**
 * At most `perSecond` rows a second, on average since the start: `take(n)` waits until n more
 * rows are allowed. Unlimited when `perSecond` is undefined or 0.
 */
export class RateLimit {
  private taken = 0;
  private readonly start: number;

  constructor(
    private readonly perSecond: number | undefined,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.start = now();
  }

  async take(rows: number): Promise<void> {
    this.taken += rows;
    if (!this.perSecond) return;
    const due = this.start + (this.taken / this.perSecond) * 1000;
    const wait = due - this.now();
    if (wait > 0) await this.sleep(wait);
  }

  /** Rows of `rows`, each let through when the limit allows. */
  async *limit<T>(rows: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const row of rows) {
      await this.take(1);
      yield row;
    }
  }
}

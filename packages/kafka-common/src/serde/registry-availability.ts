import { Backoff, describeError, isRetriable, type Logger, type Metrics, sleep } from '@buyonline/connect-api';

/**
 * How a serde waits out a registry outage itself: until the registry answers again or
 * `signal` aborts (then the ConnectionError is thrown), logging each wait and keeping the
 * `schema_registry_available` gauge (1 or 0) up to date. Without these options an outage is
 * thrown at once as a (retriable) ConnectionError, for a caller that backs off itself.
 */
export interface RegistryRetryOptions {
  signal?: AbortSignal;
  logger?: Logger;
  metrics?: Metrics;
  /** First wait; doubles (with jitter) up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** Registry availability as the last call saw it, shared by the serdes of one worker. */
export class RegistryAvailability {
  private down = false;

  constructor(private readonly options: RegistryRetryOptions | undefined) {}

  get available(): boolean {
    return !this.down;
  }

  /** Runs `call` until it succeeds or fails with something else than an outage. */
  async retry<T>(what: string, call: () => Promise<T>): Promise<T> {
    const { signal, logger, metrics } = this.options ?? {};
    const backoff = new Backoff(this.options?.baseDelayMs ?? 500, this.options?.maxDelayMs ?? 30_000);
    for (;;) {
      try {
        const result = await call();
        if (this.down) {
          this.down = false;
          metrics?.gauge('schema_registry_available', 1);
          logger?.info({ what }, 'schema registry answers again');
        }
        return result;
      } catch (err) {
        if (!isRetriable(err)) throw err;
        if (!this.down) {
          this.down = true;
          metrics?.gauge('schema_registry_available', 0);
        }
        if (!this.options || signal?.aborted) throw err;
        metrics?.count('schema_registry_retries_total');
        const wait = backoff.next();
        logger?.warn({ what, err: describeError(err), retryInMs: wait }, 'schema registry unavailable; waiting (nothing is dead-lettered for it)');
        await sleep(wait, signal);
        if (signal?.aborted) throw err;
      }
    }
  }
}

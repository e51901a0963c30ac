export interface LoopLivenessOptions {
  /** How often the timer ticks (ms); default 1,000. */
  intervalMs?: number;
  /** The longest the loop may go without a tick before the process counts as wedged (ms); default 30,000. */
  maxLagMs?: number;
  now?: () => number;
}

export interface LivenessCheck {
  alive: boolean;
  /** Since the last tick (ms). */
  sinceTickMs: number;
  maxLagMs: number;
}

/**
 * Whether the event loop still turns: an unref'd timer ticks every `intervalMs`; when the last
 * tick is older than `maxLagMs` the loop is blocked (a synchronous spin, a stuck native call,
 * starved timers) and /livez says so. Outages the app waits out never block the loop, so they
 * never fail this check.
 */
export class LoopLiveness {
  readonly maxLagMs: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private lastTick: number;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: LoopLivenessOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.maxLagMs = options.maxLagMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.lastTick = this.now();
  }

  start(): void {
    this.tick();
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  tick(): void {
    this.lastTick = this.now();
  }

  check(): LivenessCheck {
    const sinceTickMs = Math.max(0, this.now() - this.lastTick);
    return { alive: sinceTickMs <= this.maxLagMs, sinceTickMs, maxLagMs: this.maxLagMs };
  }
}

import { describeProgress, ProgressMeter, type ProgressView } from './progress.ts';

export type ProgressOutput = 'bar' | 'lines';

/** A live bar on a terminal; plain lines when the stream is not a TTY or under CI=true. */
export function progressOutput(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): ProgressOutput {
  return stream.isTTY === true && env.CI !== 'true' && env.CI !== '1' ? 'bar' : 'lines';
}

export interface ProgressBarOptions {
  /** What is being done: "snapshot", "batch", "reconcile". */
  label: string;
  /** What is counted: rows, records. */
  unit: string;
  /** Where it is drawn (stderr: stdout carries logs and reports). */
  stream?: Pick<NodeJS.WritableStream, 'write'> & { isTTY?: boolean; columns?: number };
  env?: Record<string, string | undefined>;
  /** Least time between two renders: 200 ms for a bar, 10 s for lines by default. */
  intervalMs?: number;
  now?: () => number;
}

const BAR_WIDTH = 24;

/** `[█████████░░░░░░░░░░░░░░░]`, or a bouncing block when the total is unknown. */
function bar(view: ProgressView): string {
  if (view.percent === null) return `[${'░'.repeat(BAR_WIDTH)}]`;
  const full = Math.round((view.percent / 100) * BAR_WIDTH);
  return `[${'█'.repeat(full)}${'░'.repeat(BAR_WIDTH - full)}]`;
}

/**
 * Progress of one piece of work (done of total, rate, ETA: the model `status` shows) drawn where
 * people wait: redrawn in place on a terminal, or a plain line now and then in a log.
 */
export class ProgressBar {
  private readonly meter: ProgressMeter;
  private readonly output: ProgressOutput;
  private readonly stream: NonNullable<ProgressBarOptions['stream']>;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private lastRender = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private finished = false;

  constructor(private readonly options: ProgressBarOptions) {
    this.now = options.now ?? Date.now;
    this.meter = new ProgressMeter(this.now);
    this.stream = options.stream ?? process.stderr;
    this.output = progressOutput(this.stream, options.env ?? process.env);
    this.intervalMs = options.intervalMs ?? (this.output === 'bar' ? 200 : 10_000);
  }

  get mode(): ProgressOutput {
    return this.output;
  }

  /** New counts; drawn when the last render is old enough. */
  update(done: number, total?: number | null): void {
    if (this.finished) return;
    this.meter.update(done, total);
    const now = this.now();
    if (now - this.lastRender < this.intervalMs) return;
    this.lastRender = now;
    this.render(false);
  }

  /** The last counts, drawn once more, and the line ended. */
  finish(done?: number, total?: number | null): void {
    if (this.finished) return;
    if (done !== undefined) this.meter.update(done, total);
    this.render(true);
    this.finished = true;
  }

  view(): ProgressView {
    return this.meter.view();
  }

  private render(last: boolean): void {
    const view = this.meter.view();
    const text = describeProgress(view, this.options.unit);
    if (this.output === 'lines') {
      this.stream.write(`${this.options.label}: ${text}\n`);
      return;
    }
    const line = `${this.options.label} ${bar(view)} ${text}`;
    const width = this.stream.columns || 120; // a pty without a size says 0
    this.stream.write(`\r${line.slice(0, Math.max(20, width - 1))}\x1b[K${last ? '\n' : ''}`);
    this.drawn = !last;
  }

  /** Whether a bar is on the line now (a log line would have to start on a fresh one). */
  get onScreen(): boolean {
    return this.drawn;
  }
}

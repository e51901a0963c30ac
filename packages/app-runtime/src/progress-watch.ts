import type { StatusUnitKind } from '@buyonline/connect-api';
import { ProgressBar, type ProgressBarOptions, progressOutput } from './progress-bar.ts';
import type { StatusBoard } from './status-board.ts';

export interface ProgressWatchOptions extends Omit<ProgressBarOptions, 'intervalMs'> {
  board: StatusBoard;
  kind: StatusUnitKind;
  /** Which units count (e.g. tables in a snapshot phase); all of the kind's units with progress by default. */
  counts?: (unit: { name: string; phase: string | undefined }) => boolean;
  /** How often the board is read: 200 ms on a terminal, 10 s for lines by default. */
  everyMs?: number;
}

/**
 * A progress bar over the units of a status board: done and total summed over the units that
 * count (a total is unknown when one unit's is). The bar starts when a unit counts, and ends
 * when none does any more (or at `stop`).
 */
export class ProgressWatch {
  private bar: ProgressBar | undefined;
  private readonly timer: NodeJS.Timeout;
  /** The units the bar is about (once a unit counted, it stays in the sums). */
  private readonly names = new Set<string>();

  constructor(private readonly options: ProgressWatchOptions) {
    const tty = progressOutput(options.stream ?? process.stderr, options.env ?? process.env) === 'bar';
    this.timer = setInterval(() => this.tick(), options.everyMs ?? (tty ? 200 : 10_000));
    this.timer.unref();
  }

  private tick(): void {
    const { board, kind, counts } = this.options;
    const all = board.progressUnits(kind);
    const active = all.filter((u) => counts?.(u) ?? true);
    for (const u of active) this.names.add(u.name);
    if (active.length === 0) {
      if (this.bar) this.end();
      return;
    }
    const { done, total } = this.sums();
    this.bar ??= new ProgressBar({ ...this.options, intervalMs: 0 });
    this.bar.update(done, total);
  }

  private sums(): { done: number; total: number | null } {
    let done = 0;
    let total: number | null = 0;
    for (const u of this.options.board.progressUnits(this.options.kind)) {
      if (!this.names.has(u.name)) continue;
      done += u.progress.done;
      total = total === null || u.progress.total === null ? null : total + u.progress.total;
    }
    return { done, total };
  }

  private end(): void {
    const { done, total } = this.sums();
    this.bar?.finish(done, total);
    this.bar = undefined;
    this.names.clear();
  }

  /** Stops watching; a bar on screen gets its last line. */
  stop(): void {
    clearInterval(this.timer);
    this.tick();
    this.end();
  }
}

import type { StatusUnitKind } from '@buyonline/connect-api';
import { ProgressBar, type ProgressBarOptions } from './progress-bar.ts';
import type { StatusBoard } from './status-board.ts';

export interface ProgressWatchOptions extends ProgressBarOptions {
  board: StatusBoard;
  kind: StatusUnitKind;
  /** Which units count (e.g. tables in a snapshot phase); all of the kind's units with progress by default. */
  counts?: (unit: { name: string; phase: string | undefined }) => boolean;
  /** How often the board is read (200 ms by default); the bar draws at its own pace (a line every 10 s off a terminal). */
  everyMs?: number;
  /** Least time between two renders (the bar's default when absent). */
  intervalMs?: number;
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
  private stopped = false;

  constructor(private readonly options: ProgressWatchOptions) {
    this.timer = setInterval(() => this.tick(), options.everyMs ?? 200);
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
    this.bar ??= new ProgressBar(this.options);
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

  /** Stops watching; a bar on screen gets its last line. Once. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.tick();
    this.end();
  }
}

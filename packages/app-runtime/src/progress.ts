/** How far a piece of work is: what the status command and the progress bars show alike. */
export interface ProgressView {
  done: number;
  /** Estimated total; null when unknown. */
  total: number | null;
  /** done / total in percent (at most 100); null without a total. */
  percent: number | null;
  /** Units per second over the last few seconds; null until two samples. */
  rate: number | null;
  /** Seconds to reach the total at `rate`; null when unknown, 0 when done. */
  etaSeconds: number | null;
}

interface Sample {
  at: number;
  done: number;
}

/** How far back the rate looks: long enough to be steady, short enough to follow a change of pace. */
const RATE_WINDOW_MS = 10_000;

/**
 * Done and total of one piece of work (a table's snapshot, a batch run, a reconcile), with its
 * rate over a sliding window and the ETA from it. Updated per batch; cheap to read.
 */
export class ProgressMeter {
  private readonly samples: Sample[] = [];
  private done = 0;
  private total: number | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  update(done: number, total?: number | null): void {
    this.done = done;
    if (total !== undefined) this.total = total;
    const at = this.now();
    const last = this.samples.at(-1);
    if (last && last.at === at) last.done = done;
    else this.samples.push({ at, done });
    // keep one sample older than the window, so the rate spans the whole window
    while (this.samples.length > 2 && at - (this.samples[1] as Sample).at >= RATE_WINDOW_MS) this.samples.shift();
  }

  view(): ProgressView {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    const span = first && last ? last.at - first.at : 0;
    const rate = first && last && span > 0 ? ((last.done - first.done) * 1000) / span : null;
    const total = this.total;
    // An estimate (reltuples) may be passed: then the total is unknown (not "done") until the
    // work reports its real total (a finished snapshot's is what it read).
    const shownTotal = total === null || this.done > total ? null : total;
    const percent = shownTotal === null ? null : shownTotal === 0 ? 100 : Math.min(100, (this.done / shownTotal) * 100);
    let etaSeconds: number | null = null;
    if (shownTotal !== null) {
      const left = shownTotal - this.done;
      if (left <= 0) etaSeconds = 0;
      else if (rate !== null && rate > 0) etaSeconds = left / rate;
    }
    return { done: this.done, total: shownTotal, percent, rate, etaSeconds };
  }
}

/** 1234567 → "1,234,567"; fractions keep one digit. */
export function formatCount(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** Seconds as "45s", "3m 05s", "2h 10m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Bytes as "512 B", "1.5 MB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** "12,000 / 50,000 rows (24.0%) · 5,000 rows/s · ETA 8s": one line of a progress view. */
export function describeProgress(view: ProgressView, unit: string): string {
  const parts = [view.total === null ? `${formatCount(view.done)} ${unit}` : `${formatCount(view.done)} / ${formatCount(view.total)} ${unit} (${(view.percent ?? 0).toFixed(1)}%)`];
  // a rate of 0 at the end says nothing (the last samples were all at the end)
  if (view.rate !== null && !(view.rate === 0 && view.etaSeconds === 0)) parts.push(`${formatCount(Math.round(view.rate))} ${unit}/s`);
  if (view.etaSeconds !== null) parts.push(view.etaSeconds === 0 ? 'done' : `ETA ${formatDuration(view.etaSeconds)}`);
  return parts.join(' · ');
}

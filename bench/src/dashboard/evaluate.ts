// What a panel's PromQL would show, computed from a run's own scrapes: rate over a window of
// scrapes, histogram_quantile over the bucket increases in that window, gauges aggregated.
import type { Target } from './panels.ts';
import type { Sample } from './prom-text.ts';

export interface Scrape {
  /** Milliseconds since the epoch. */
  t: number;
  samples: readonly Sample[];
}

export interface Point {
  /** Seconds since the first scrape. */
  x: number;
  y: number;
}

export type SeriesSet = Map<string, Point[]>;

/** Scrapes a rate looks back over (1 s apart: a 5 s window, like a short $__rate_interval). */
export const RATE_WINDOW = 5;

function legendOf(legend: string, labels: Record<string, string>): string {
  return legend.replace(/\{(\w+)\}/g, (_, l: string) => labels[l] ?? '');
}

const keyOf = (labels: Record<string, string>, by: readonly string[]) => JSON.stringify(by.map((l) => labels[l] ?? ''));
const seriesKey = (s: Sample) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;

/** Per series (full label set) the samples of one metric name in a scrape. */
function byName(scrape: Scrape, name: string): Map<string, Sample> {
  const out = new Map<string, Sample>();
  for (const s of scrape.samples) if (s.name === name) out.set(seriesKey(s), s);
  return out;
}

/** Counter increase from scrape j to i per series; a series absent at j counted from 0, a reset from 0. */
function increases(scrapes: readonly Scrape[], name: string, i: number, j: number): Sample[] {
  const now = byName(scrapes[i] as Scrape, name);
  const before = byName(scrapes[j] as Scrape, name);
  const out: Sample[] = [];
  for (const [key, s] of now) {
    const prev = before.get(key)?.value ?? 0;
    out.push({ ...s, value: s.value >= prev ? s.value - prev : s.value });
  }
  return out;
}

/** Prometheus's histogram_quantile over (le, count) buckets: linear within the bucket the rank falls in. */
export function histogramQuantile(q: number, buckets: readonly { le: number; count: number }[]): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0 || sorted.at(-1)?.le !== Number.POSITIVE_INFINITY) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (b.le === Number.POSITIVE_INFINITY) return prevLe;
      if (b.count === prevCount) return b.le;
      return prevLe + ((b.le - prevLe) * (rank - prevCount)) / (b.count - prevCount);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

function add(set: SeriesSet, legend: string, point: Point): void {
  let points = set.get(legend);
  if (!points) {
    points = [];
    set.set(legend, points);
  }
  points.push(point);
}

/** The series a target shows over the scrapes, by legend. */
export function evaluate(target: Target, scrapes: readonly Scrape[]): SeriesSet {
  const set: SeriesSet = new Map();
  const t0 = scrapes[0]?.t ?? 0;
  scrapes.forEach((scrape, i) => {
    const x = (scrape.t - t0) / 1000;
    if (target.kind === 'gauge') {
      const groups = new Map<string, { labels: Record<string, string>; value: number }>();
      for (const s of byName(scrape, target.metric).values()) {
        const k = keyOf(s.labels, target.by);
        const g = groups.get(k);
        if (!g) groups.set(k, { labels: s.labels, value: s.value });
        else g.value = target.agg === 'sum' ? g.value + s.value : Math.max(g.value, s.value);
      }
      for (const g of groups.values()) add(set, legendOf(target.legend, g.labels), { x, y: g.value });
      return;
    }
    if (i === 0) return;
    const j = Math.max(0, i - (target.kind === 'increase' ? 300 : RATE_WINDOW));
    const seconds = (scrape.t - (scrapes[j] as Scrape).t) / 1000;
    if (target.kind === 'quantile') {
      const buckets = new Map<number, number>();
      for (const s of increases(scrapes, `${target.metric}_bucket`, i, j)) {
        const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
        buckets.set(le, (buckets.get(le) ?? 0) + s.value);
      }
      const value = histogramQuantile(target.q, [...buckets].map(([le, count]) => ({ le, count })));
      if (value !== undefined) add(set, target.legend, { x, y: value });
      return;
    }
    const groups = new Map<string, { labels: Record<string, string>; value: number }>();
    for (const s of increases(scrapes, target.metric, i, j)) {
      const k = keyOf(s.labels, target.by);
      const g = groups.get(k);
      if (!g) groups.set(k, { labels: s.labels, value: s.value });
      else g.value += s.value;
    }
    for (const g of groups.values()) add(set, legendOf(target.legend, g.labels), { x, y: target.kind === 'rate' ? g.value / seconds : g.value });
  });
  return set;
}

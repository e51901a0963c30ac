import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metrics, MetricSpec } from '@buyonline/connect-api';

/** The base units a metric name may end with (Prometheus conventions); a counter ends with `_total`. */
const UNIT_SUFFIXES = ['_seconds', '_bytes', '_rows', '_messages', '_records', '_files', '_ratio'];

/** What is wrong with each declared metric (help text, unit suffix); empty when every one is fine. */
export function checkMetricSpecs(specs: readonly MetricSpec[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) problems.push(`${spec.name}: declared twice`);
    seen.add(spec.name);
    if (spec.help.trim().length < 10 || spec.help === spec.name) problems.push(`${spec.name}: help text missing (it says "${spec.help}")`);
    if (spec.type === 'counter' && !spec.name.endsWith('_total')) problems.push(`${spec.name}: a counter's name ends with _total`);
    if (spec.type !== 'counter' && !UNIT_SUFFIXES.some((u) => spec.name.endsWith(u))) problems.push(`${spec.name}: a ${spec.type}'s name ends with its unit (${UNIT_SUFFIXES.join(', ')})`);
    if (spec.type !== 'histogram' && spec.buckets) problems.push(`${spec.name}: only a histogram has buckets`);
  }
  return problems;
}

/**
 * Metrics backed by a Prometheus registry; metric names get the app's prefix. Each metric takes
 * its help text (and a histogram its buckets) from the specs the app declares: those of the
 * workers and of each plugin (`plugin.metrics`). A metric nobody declared still works, and says
 * so in its help.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly histograms = new Map<string, Histogram>();
  private readonly specs = new Map<string, MetricSpec>();

  constructor(
    private readonly prefix: string,
    specs: readonly MetricSpec[] = [],
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: `${prefix}_` });
    this.declare(specs);
  }

  /** Adds help texts and buckets (a plugin's, once it is known); the first declaration of a name wins. */
  declare(specs: readonly MetricSpec[]): void {
    for (const spec of specs) if (!this.specs.has(spec.name)) this.specs.set(spec.name, spec);
  }

  /** Every metric declared so far. */
  declared(): MetricSpec[] {
    return [...this.specs.values()];
  }

  count(name: string, value = 1, labels: Record<string, string> = {}): void {
    const metric = this.getOrCreate(this.counters, name, labels, (n, help, labelNames) => new Counter({ name: n, help, labelNames, registers: [this.registry] }));
    metric.inc(labels, value);
  }

  gauge(name: string, value: number, labels: Record<string, string> = {}): void {
    const metric = this.getOrCreate(this.gauges, name, labels, (n, help, labelNames) => new Gauge({ name: n, help, labelNames, registers: [this.registry] }));
    metric.set(labels, value);
  }

  observe(name: string, value: number, labels: Record<string, string> = {}): void {
    const buckets = this.specs.get(name)?.buckets;
    const metric = this.getOrCreate(
      this.histograms,
      name,
      labels,
      (n, help, labelNames) => new Histogram({ name: n, help, labelNames, registers: [this.registry], ...(buckets ? { buckets: [...buckets] } : {}) }),
    );
    metric.observe(labels, value);
  }

  private getOrCreate<M>(map: Map<string, M>, name: string, labels: Record<string, string>, make: (fullName: string, help: string, labelNames: string[]) => M): M {
    let metric = map.get(name);
    if (!metric) {
      const help = this.specs.get(name)?.help ?? `${name} (undeclared: whatever emits it declares no help text)`;
      metric = make(`${this.prefix}_${name}`, help, Object.keys(labels));
      map.set(name, metric);
    }
    return metric;
  }
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metrics } from '@buyonline/connect-api';

/** Metrics backed by a Prometheus registry; metric names get the app's prefix. */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly histograms = new Map<string, Histogram>();

  constructor(private readonly prefix: string) {
    collectDefaultMetrics({ register: this.registry, prefix: `${prefix}_` });
  }

  count(name: string, value = 1, labels: Record<string, string> = {}): void {
    const metric = this.getOrCreate(this.counters, name, labels, (n, labelNames) => new Counter({ name: n, help: name, labelNames, registers: [this.registry] }));
    metric.inc(labels, value);
  }

  gauge(name: string, value: number, labels: Record<string, string> = {}): void {
    const metric = this.getOrCreate(this.gauges, name, labels, (n, labelNames) => new Gauge({ name: n, help: name, labelNames, registers: [this.registry] }));
    metric.set(labels, value);
  }

  observe(name: string, value: number, labels: Record<string, string> = {}): void {
    const metric = this.getOrCreate(this.histograms, name, labels, (n, labelNames) => new Histogram({ name: n, help: name, labelNames, registers: [this.registry] }));
    metric.observe(labels, value);
  }

  private getOrCreate<M>(map: Map<string, M>, name: string, labels: Record<string, string>, make: (fullName: string, labelNames: string[]) => M): M {
    let metric = map.get(name);
    if (!metric) {
      metric = make(`${this.prefix}_${name}`, Object.keys(labels));
      map.set(name, metric);
    }
    return metric;
  }
}

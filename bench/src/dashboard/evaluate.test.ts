import { describe, expect, it } from 'vitest';
import { evaluate, histogramQuantile, type Scrape } from './evaluate.ts';
import { parsePromText } from './prom-text.ts';

const scrape = (t: number, text: string): Scrape => ({ t, samples: parsePromText(text) });

describe('dashboard evaluation of scrapes', () => {
  it('parses Prometheus text, labels included', () => {
    expect(parsePromText('# HELP x_total Things.\n# TYPE x_total counter\nx_total{topic="a\\"b",p="1"} 12\nup 1\n')).toEqual([
      { name: 'x_total', labels: { topic: 'a"b', p: '1' }, value: 12 },
      { name: 'up', labels: {}, value: 1 },
    ]);
  });

  it('a rate is the increase over the window per second, summed by the labels asked for', () => {
    const scrapes = [scrape(0, 'r_total{topic="a",p="0"} 0\nr_total{topic="a",p="1"} 0'), scrape(1_000, 'r_total{topic="a",p="0"} 100\nr_total{topic="a",p="1"} 50')];
    expect(evaluate({ kind: 'rate', metric: 'r_total', by: ['topic'], legend: '{topic}' }, scrapes)).toEqual(new Map([['a', [{ x: 1, y: 150 }]]]));
  });

  it('histogram_quantile interpolates within the bucket, as Prometheus does', () => {
    const buckets = [
      { le: 0.01, count: 50 },
      { le: 0.1, count: 90 },
      { le: Number.POSITIVE_INFINITY, count: 100 },
    ];
    expect(histogramQuantile(0.5, buckets)).toBe(0.01);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.055);
    expect(histogramQuantile(0.99, buckets)).toBe(0.1);
    expect(histogramQuantile(0.5, [{ le: Number.POSITIVE_INFINITY, count: 0 }])).toBeUndefined();
  });

  it('gauges aggregate per label set at each scrape', () => {
    const scrapes = [scrape(0, 'lag{topic="a",partition="0"} 3\nlag{topic="a",partition="1"} 4')];
    expect(evaluate({ kind: 'gauge', metric: 'lag', by: ['topic'], agg: 'max', legend: '{topic}' }, scrapes)).toEqual(new Map([['a', [{ x: 0, y: 4 }]]]));
  });
});

import { describe, expect, it } from 'vitest';
import { PrometheusMetrics } from './index.ts';
import { checkMetricSpecs } from './metrics.ts';

describe('PrometheusMetrics', () => {
  it('gives each metric the help text and buckets declared for it', async () => {
    const metrics = new PrometheusMetrics('app', [
      { name: 'records_total', type: 'counter', help: 'Records sent to Kafka.' },
      { name: 'latency_seconds', type: 'histogram', help: 'Source commit to Kafka append.', buckets: [0.001, 0.01] },
    ]);
    metrics.count('records_total', 3, { topic: 't' });
    metrics.observe('latency_seconds', 0.004);
    const text = await metrics.registry.metrics();
    expect(text).toContain('# HELP app_records_total Records sent to Kafka.');
    expect(text).toContain('app_records_total{topic="t"} 3');
    expect(text).toContain('# HELP app_latency_seconds Source commit to Kafka append.');
    expect(text).toContain('app_latency_seconds_bucket{le="0.001"} 0');
    expect(text).toContain('app_latency_seconds_bucket{le="0.01"} 1');
  });

  it('an undeclared metric says so in its help instead of repeating its name', async () => {
    const metrics = new PrometheusMetrics('app');
    metrics.gauge('mystery_rows', 1);
    expect(await metrics.registry.metrics()).toContain('# HELP app_mystery_rows mystery_rows (undeclared');
  });
});

describe('checkMetricSpecs', () => {
  it('names every metric without a help text or a unit suffix', () => {
    expect(
      checkMetricSpecs([
        { name: 'good_total', type: 'counter', help: 'Good things counted.' },
        { name: 'files', type: 'counter', help: 'Files written to the stage.' },
        { name: 'lag', type: 'gauge', help: 'lag' },
        { name: 'lag_seconds', type: 'gauge', help: 'How far behind, in seconds.' },
      ]),
    ).toEqual(['files: a counter\'s name ends with _total', 'lag: help text missing (it says "lag")', "lag: a gauge's name ends with its unit (_seconds, _bytes, _rows, _messages, _records, _files, _ratio)"]);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { grafanaDashboard } from './grafana.ts';
import { PANELS, promql } from './panels.ts';

describe('the Grafana dashboard', () => {
  it('docs/grafana/buyonline-cdc.json is the dashboard the panels generate', () => {
    const committed = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'grafana', 'buyonline-cdc.json'), 'utf8')) as unknown;
    expect(committed).toEqual(grafanaDashboard());
  });

  it('queries through a data source variable, with one panel per declared panel', () => {
    const dashboard = grafanaDashboard() as { templating: { list: { name: string; type: string }[] }; panels: { datasource: { uid: string } }[] };
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource' }));
    expect(dashboard.panels).toHaveLength(PANELS.length);
    expect(dashboard.panels.every((p) => p.datasource.uid === '${datasource}')).toBe(true);
  });

  it('writes PromQL for each kind of target', () => {
    expect(promql({ kind: 'rate', metric: 'm_total', by: ['topic'] })).toBe('sum by (topic) (rate(m_total[$__rate_interval]))');
    expect(promql({ kind: 'quantile', metric: 'l_seconds', q: 0.99 })).toBe('histogram_quantile(0.99, sum by (le) (rate(l_seconds_bucket[$__rate_interval])))');
    expect(promql({ kind: 'gauge', metric: 'lag_messages', by: ['topic', 'partition'], agg: 'sum' })).toBe('sum by (topic, partition) (lag_messages)');
  });
});

// The Grafana dashboard (docs/grafana/buyonline-cdc.json), generated from the panels: import it
// and pick the Prometheus data source that scrapes the apps' /metrics.
import { PANELS, type PanelUnit, promql } from './panels.ts';

const GRAFANA_UNIT: Record<PanelUnit, string> = { ops: 'ops', 'bytes/s': 'Bps', s: 's', short: 'short', bytes: 'bytes', rows: 'short' };

export function grafanaDashboard(): Record<string, unknown> {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  return {
    title: 'BuyOnline CDC',
    uid: 'buyonline-cdc',
    description: 'PostgreSQL → Kafka → stage: throughput, end-to-end latency, consumer lag, snapshot progress, slot lag, transactions, dead letters (docs/operations.md).',
    tags: ['cdc', 'kafka', 'postgresql'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '10s',
    time: { from: 'now-30m', to: 'now' },
    templating: {
      list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1 }],
    },
    panels: PANELS.map((panel, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: panel.title,
      description: panel.description,
      datasource,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: GRAFANA_UNIT[panel.unit], min: 0, custom: { lineWidth: 2, fillOpacity: 10 } }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
      targets: panel.targets.map((target, t) => ({
        refId: String.fromCharCode(65 + t),
        datasource,
        expr: promql(target),
        legendFormat: target.legend.replace(/\{(\w+)\}/g, '{{$1}}'),
      })),
    })),
  };
}

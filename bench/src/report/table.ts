import { formatRatio, formatTarget, formatTimes, formatValue, verdict } from './format.ts';
import type { BenchResult } from './result.ts';

/** The measures as a markdown table: measure | pipeline | limit | ratio | target | pass/fail. */
export function measuresTable(result: BenchResult): string {
  const rows = result.measures.map((m) => [
    m.measure,
    `${formatValue(m.pipeline, m.unit)}${m.unit === 'rows/s' ? '' : ` ${m.unit}`}`,
    m.limit ? `${m.limit.name}: ${formatValue(m.limit.value, m.unit)}` : '',
    m.ratio === null ? '' : formatRatio(m.ratio),
    m.target ? formatTarget(m.target, m.unit) : '',
    verdict(m),
  ]);
  const header = ['measure (same run)', 'pipeline', 'limit', 'ratio', 'target', 'pass/fail'];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(['---', '---:', '---:', '---:', '---:', ':---:']), ...rows.map(line)].join('\n');
}

/** What was run, where: the lines above the table. */
export function runHeader(result: BenchResult): string {
  const { machine: m, workload: w, pipeline: p } = result;
  return [
    `${result.date} · ${result.commit ?? 'unknown commit'} · ${m.nproc} cores (${m.cpu}), ${m.memoryGb} GB · load ${m.loadAverage.start.join(' ')} → ${m.loadAverage.end.join(' ')} · Node ${m.node} · PostgreSQL ${m.postgres}`,
    `workload: ${w.rows.toLocaleString('en-US')}-row table; ${w.flatUpdates.toLocaleString('en-US')} updates in ${w.txRows}-row transactions flat out (${w.writers} writers: ${formatValue(p.flatLoad.rowsPerSec, 'rows/s')} rows/s committed); ` +
      `${w.pacedUpdates.toLocaleString('en-US')} updates paced at ${w.rate.toLocaleString('en-US')} rows/s (${formatValue(p.pacedLoad.rowsPerSec, 'rows/s')} rows/s committed); apps: NODE_OPTIONS=${result.appNodeOptions}`,
  ].join('\n');
}

/**
 * The pipeline against Debezium (--with-debezium) as a markdown table: measure | pipeline |
 * Debezium | pipeline ÷ Debezium | Debezium ÷ the same limit | which is ahead. Empty without it.
 */
export function debeziumTable(result: BenchResult): string {
  if (!result.comparison || !result.debezium) return '';
  const rows = result.comparison.map((c) => [
    c.measure,
    `${formatValue(c.pipeline, c.unit)}${c.unit === 'rows/s' ? '' : ` ${c.unit}`}`,
    `${formatValue(c.debezium, c.unit)}${c.unit === 'rows/s' ? '' : ` ${c.unit}`}`,
    formatTimes(c.ratio),
    c.debeziumToLimit === null ? '' : formatRatio(c.debeziumToLimit),
    c.ahead === null ? '—' : c.ahead ? 'pipeline' : 'Debezium',
  ]);
  const d = result.debezium;
  const header = ['measure (same run)', 'pipeline', `Debezium ${d.version}`, 'pipeline ÷ Debezium', 'Debezium ÷ limit', 'ahead'];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    `Debezium ${d.version} on Kafka Connect ${d.heap ? `(JVM ${d.heap}) ` : ''}in the same run, its own slot and publication; exactly-once source; ${d.converter}:`,
    '',
    line(header),
    line(['---', '---:', '---:', '---:', '---:', ':---:']),
    ...rows.map(line),
  ].join('\n');
}

// The chart of a run (bench/results/chart.svg), drawn from its result alone: each ratio to
// its limit against the target, the latency percentiles and the peak RSS against theirs, and
// (--with-debezium) each figure as a ratio to Debezium's of the same run.
import type { Comparison } from './debezium-figures.ts';
import { formatRatio, formatTarget, formatTimes, formatValue } from './format.ts';
import type { BenchResult, Measure } from './result.ts';

interface Bar {
  label: string;
  detail: string;
  value: number;
  text: string;
  target: number | null;
  targetText: string;
  pass: boolean | null;
}

interface Scale {
  x(value: number): number;
  ticks: { value: number; label: string }[];
}

const WIDTH = 960;
const LEFT = 360;
const RIGHT = 880;
const ROW = 30;
const COLORS = { pass: '#2da44e', fail: '#cf222e', none: '#8c959f', target: '#24292f', grid: '#d0d7de', text: '#24292f', muted: '#57606a' };

function esc(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function logScale(min: number, max: number, ticks: number[], label: (v: number) => string): Scale {
  const span = Math.log10(max) - Math.log10(min);
  const x = (v: number) => LEFT + ((Math.log10(Math.min(max, Math.max(min, v))) - Math.log10(min)) / span) * (RIGHT - LEFT);
  return { x, ticks: ticks.filter((t) => t >= min && t <= max).map((value) => ({ value, label: label(value) })) };
}

function linearScale(max: number, step: number, label: (v: number) => string): Scale {
  const x = (v: number) => LEFT + (Math.min(max, Math.max(0, v)) / max) * (RIGHT - LEFT);
  const ticks = Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => ({ value: i * step, label: label(i * step) }));
  return { x, ticks };
}

function panel(top: number, title: string, bars: Bar[], scale: Scale): { svg: string; height: number } {
  const out: string[] = [`<text x="20" y="${top + 18}" font-size="15" font-weight="600" fill="${COLORS.text}">${esc(title)}</text>`];
  const plotTop = top + 30;
  const plotBottom = plotTop + bars.length * ROW;
  for (const tick of scale.ticks) {
    const x = scale.x(tick.value).toFixed(1);
    out.push(`<line x1="${x}" y1="${plotTop}" x2="${x}" y2="${plotBottom}" stroke="${COLORS.grid}"/>`);
    out.push(`<text x="${x}" y="${plotBottom + 14}" font-size="11" text-anchor="middle" fill="${COLORS.muted}">${esc(tick.label)}</text>`);
  }
  bars.forEach((bar, i) => {
    const y = plotTop + i * ROW;
    const color = bar.pass === null ? COLORS.none : bar.pass ? COLORS.pass : COLORS.fail;
    const end = Number.isFinite(bar.value) ? scale.x(bar.value) : LEFT;
    out.push(`<text x="20" y="${y + 13}" font-size="12" fill="${COLORS.text}">${esc(bar.label)}</text>`);
    out.push(`<text x="20" y="${y + 25}" font-size="10" fill="${COLORS.muted}">${esc(bar.detail)}</text>`);
    out.push(`<rect x="${LEFT}" y="${y + 6}" width="${Math.max(1, end - LEFT).toFixed(1)}" height="${ROW - 12}" fill="${color}" rx="2"/>`);
    if (bar.target !== null) {
      const tx = scale.x(bar.target).toFixed(1);
      out.push(`<line x1="${tx}" y1="${y + 2}" x2="${tx}" y2="${y + ROW - 2}" stroke="${COLORS.target}" stroke-width="2" stroke-dasharray="4 2"/>`);
      out.push(`<text x="${RIGHT + 8}" y="${y + 19}" font-size="11" fill="${COLORS.muted}">${esc(bar.targetText)}</text>`);
    }
    // the value last, haloed, so that a target line behind it does not cross it out
    const inside = end > RIGHT - 60;
    if (!inside) out.push(`<rect x="${(end + 2).toFixed(1)}" y="${y + 8}" width="${(bar.text.length * 6.6 + 4).toFixed(0)}" height="14" fill="#ffffff" fill-opacity="0.85"/>`);
    out.push(
      `<text x="${(inside ? end - 4 : end + 4).toFixed(1)}" y="${y + 19}" font-size="11" font-weight="600" text-anchor="${inside ? 'end' : 'start'}" fill="${inside ? '#ffffff' : COLORS.text}">${esc(bar.text)}</text>`,
    );
  });
  return { svg: out.join('\n'), height: plotBottom + 24 - top };
}

function bar(m: Measure | undefined, label: string, value: (m: Measure) => number, text: (m: Measure) => string, detail: (m: Measure) => string): Bar[] {
  if (!m) return [];
  const target = m.target ? m.target.value : null;
  const targetText = m.target ? formatTarget(m.target, m.unit) : '';
  return [{ label, detail: detail(m), value: value(m), text: text(m), target, targetText, pass: m.pass }];
}

/** pipeline ÷ Debezium per figure, against 1 (Debezium's own figure); green where the pipeline is ahead. */
export function debeziumBars(comparison: readonly Comparison[]): Bar[] {
  const value = (c: Comparison, v: number) => `${formatValue(v, c.unit)}${c.unit === 'rows/s' ? ' rows/s' : ` ${c.unit}`}`;
  return comparison.map((c) => ({
    label: c.measure,
    detail: `pipeline ${value(c, c.pipeline)} vs Debezium ${value(c, c.debezium)}; ${c.better} is better`,
    value: c.ratio,
    text: formatTimes(c.ratio),
    target: 1,
    targetText: '= Debezium',
    pass: c.ahead,
  }));
}

export function renderChart(result: BenchResult): string {
  const by = (key: string) => result.measures.find((m) => m.key === key);
  const rows = (m: Measure) => formatValue(m.pipeline, 'rows/s');
  const ofLimit = (m: Measure) => `${rows(m)} rows/s of ${m.limit ? `${formatValue(m.limit.value, 'rows/s')} (${m.limit.name})` : 'an unmeasured limit'}`;
  const ratioBar = (key: string, label: string) =>
    bar(
      by(key),
      label,
      (m) => m.ratio ?? Number.NaN,
      (m) => (m.ratio === null ? 'no limit' : formatRatio(m.ratio)),
      ofLimit,
    );
  const ratios = [
    ...ratioBar('snapshot', 'initial snapshot (steady) / COPY TO STDOUT'),
    ...ratioBar('streaming', 'streaming flat out / pg_recvlogical'),
    ...ratioBar('streaming-produce', 'streaming flat out / bare produce'),
    ...ratioBar('stage', 'Kafka → stage / bare consume'),
  ];
  const ms = (m: Measure) => `${formatValue(m.pipeline, 'ms')} ms`;
  const latency = (key: string, label: string) => bar(by(key), label, (m) => m.pipeline, ms, () => 'broker append time − source commit time');
  const latencies = [
    ...latency('latency-p50', 'commit → Kafka p50'),
    ...latency('latency-p95', 'commit → Kafka p95'),
    ...latency('latency-p99', 'commit → Kafka p99'),
    ...latency('latency-max', 'commit → Kafka max'),
    ...bar(by('readable-p50'), 'commit → readable p50', (m) => m.pipeline, ms, () => 'read by a read_committed consumer'),
    ...bar(by('readable-p99'), 'commit → readable p99', (m) => m.pipeline, ms, () => 'read by a read_committed consumer'),
  ];
  const mb = (m: Measure) => `${formatValue(m.pipeline, 'MB')} MB`;
  const memory = [
    ...bar(by('rss-producer'), 'producer peak RSS', (m) => m.pipeline, mb, () => 'snapshot + both update phases'),
    ...bar(by('rss-consumer'), 'consumer peak RSS', (m) => m.pipeline, mb, () => 'consumer batch, the whole topic'),
  ];
  const maxMs = Math.max(100, ...latencies.map((b) => b.value).filter(Number.isFinite));
  const maxMb = Math.max(400, ...memory.map((b) => b.value).filter(Number.isFinite));
  const ratioScale = logScale(0.001, 1, [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1], (v) => formatRatio(v));
  const msScale = logScale(1, 10 ** Math.ceil(Math.log10(maxMs)), [1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000], (v) => `${v.toLocaleString('en-US')} ms`);
  const mbScale = linearScale(Math.ceil(maxMb / 100) * 100, 100, (v) => `${v} MB`);
  const versus = debeziumBars(result.comparison ?? []);
  const finite = versus.map((b) => b.value).filter((v) => Number.isFinite(v) && v > 0);
  const versusScale = logScale(
    Math.min(0.1, 10 ** Math.floor(Math.log10(Math.min(...finite, 1)))),
    Math.max(10, 10 ** Math.ceil(Math.log10(Math.max(...finite, 1)))),
    [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100],
    (v) => formatTimes(v),
  );

  const { machine: m, workload: w } = result;
  const head = [
    `<text x="20" y="28" font-size="18" font-weight="700" fill="${COLORS.text}">${result.debezium ? "CDC benchmark: the pipeline against the machine's limits and Debezium" : "BuyOnline CDC benchmark: the pipeline against the machine's limits, one run"}</text>`,
    `<text x="20" y="48" font-size="12" fill="${COLORS.muted}">${esc(`${result.date.slice(0, 16).replace('T', ' ')} UTC · ${result.commit ?? ''} · ${m.nproc} cores, ${m.cpu} · load ${m.loadAverage.start.join(' ')} · Node ${m.node} · PostgreSQL ${m.postgres}`)}</text>`,
    `<text x="20" y="64" font-size="12" fill="${COLORS.muted}">${esc(`${w.rows.toLocaleString('en-US')} rows; ${w.flatUpdates.toLocaleString('en-US')} updates flat out and ${w.pacedUpdates.toLocaleString('en-US')} at ${w.rate.toLocaleString('en-US')} rows/s, ${w.txRows}-row transactions · green: target met, red: not, grey: no target; dashed: target`)}</text>`,
    `<text x="20" y="80" font-size="12" fill="${COLORS.muted}">${esc(`apps: NODE_OPTIONS=${result.appNodeOptions ?? '(not recorded)'} · limits: best of their attempts in the same run`)}</text>`,
  ];
  const d = result.debezium;
  if (d) {
    head.push(
      `<text x="20" y="96" font-size="12" fill="${COLORS.muted}">${esc(`Debezium ${d.version} on Kafka Connect (JVM ${d.heap}), exactly-once, Avro: its snapshot after the pipeline's, then the same updates`)}</text>`,
    );
  }
  let y = d ? 112 : 96;
  const parts: string[] = [];
  for (const [title, bars, scale] of [
    ["Pipeline rate as a share of the machine's limit (log scale)", ratios, ratioScale],
    [`Latency at ${w.rate.toLocaleString('en-US')} rows/s (log scale)`, latencies, msScale],
    ['Memory', memory, mbScale],
    ['The pipeline ÷ Debezium, same table, WAL and run (log scale; green: the pipeline ahead)', versus, versusScale],
  ] as const) {
    if (bars.length === 0) continue;
    const p = panel(y, title, bars, scale);
    parts.push(p.svg);
    y += p.height + 16;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">`,
    `<rect width="${WIDTH}" height="${y}" fill="#ffffff"/>`,
    ...head,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

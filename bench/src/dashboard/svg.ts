// The dashboard drawn as one SVG from a run's scrapes (docs/grafana/dashboard.svg): the same
// panels as the Grafana dashboard, each line what its PromQL would have shown for that run.
import type { Point, SeriesSet } from './evaluate.ts';
import type { Panel, PanelUnit } from './panels.ts';

const COLS = 2;
const PANEL_W = 520;
const PANEL_H = 250;
const GAP = 16;
const PLOT = { left: 64, right: 16, top: 44, bottom: 66 };
const PALETTE = ['#7eb26d', '#eab839', '#6ed0e0', '#ef843c', '#e24d42', '#1f78c1', '#ba43a9', '#705da0'];
const INK = { bg: '#181b1f', panel: '#22252b', grid: '#2f3238', text: '#d8d9da', muted: '#8e8e8e' };

function esc(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** A round upper bound and its step for a y axis (about 4 ticks). */
function niceScale(max: number): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 0.25 };
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  return { max: Math.ceil(max / step) * step, step };
}

export function formatUnit(value: number, unit: PanelUnit): string {
  const si = (v: number, suffix: string) => {
    const units = ['', 'k', 'M', 'G'];
    let n = v;
    let i = 0;
    while (Math.abs(n) >= 1000 && i < units.length - 1) {
      n /= 1000;
      i++;
    }
    return `${Number(n.toFixed(n >= 10 || n === 0 ? 0 : 1))}${units[i]}${suffix}`;
  };
  switch (unit) {
    case 's':
      if (value === 0) return '0';
      if (value < 1) return `${Number((value * 1000).toFixed(value < 0.01 ? 1 : 0))} ms`;
      return `${Number(value.toFixed(1))} s`;
    case 'bytes':
      return si(value, 'B');
    case 'bytes/s':
      return si(value, 'B/s');
    case 'ops':
      return si(value, '/s');
    default:
      return si(value, '');
  }
}

function panelSvg(panel: Panel, series: SeriesSet, x0: number, y0: number, maxX: number): string {
  const out: string[] = [`<g transform="translate(${x0},${y0})">`, `<rect width="${PANEL_W}" height="${PANEL_H}" rx="4" fill="${INK.panel}"/>`];
  out.push(`<text x="12" y="22" font-size="14" font-weight="600" fill="${INK.text}">${esc(panel.title)}</text>`);
  const w = PANEL_W - PLOT.left - PLOT.right;
  const h = PANEL_H - PLOT.top - PLOT.bottom;
  const all = [...series.values()].flat();
  const { max, step } = niceScale(Math.max(0, ...all.map((p) => p.y)));
  const sx = (x: number) => PLOT.left + (x / maxX) * w;
  const sy = (y: number) => PLOT.top + h - (Math.min(y, max) / max) * h;
  for (let v = 0; v <= max + step / 2; v += step) {
    out.push(`<line x1="${PLOT.left}" x2="${PLOT.left + w}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="${INK.grid}"/>`);
    out.push(`<text x="${PLOT.left - 6}" y="${(sy(v) + 4).toFixed(1)}" font-size="10" text-anchor="end" fill="${INK.muted}">${esc(formatUnit(v, panel.unit))}</text>`);
  }
  const xStep = niceScale(maxX).step;
  for (let x = 0; x <= maxX; x += xStep) {
    out.push(`<text x="${sx(x).toFixed(1)}" y="${PLOT.top + h + 14}" font-size="10" text-anchor="middle" fill="${INK.muted}">${x}s</text>`);
  }
  if (all.length === 0) out.push(`<text x="${PLOT.left + w / 2}" y="${PLOT.top + h / 2}" font-size="12" text-anchor="middle" fill="${INK.muted}">no series in this run (nothing was counted)</text>`);
  let legendX = 12;
  let legendY = PANEL_H - 34;
  [...series.entries()].forEach(([legend, points], i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    const path = points.map((p: Point, k) => `${k === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join('');
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="1.8"/>`);
    const peak = Math.max(...points.map((p) => p.y));
    const label = `${legend} (max ${formatUnit(peak, panel.unit)})`;
    const labelWidth = 20 + label.length * 5.4;
    if (legendX > 12 && legendX + labelWidth > PANEL_W - 8) {
      legendX = 12;
      legendY += 14;
    }
    out.push(`<rect x="${legendX}" y="${legendY - 4}" width="10" height="3" fill="${color}"/>`);
    out.push(`<text x="${legendX + 14}" y="${legendY}" font-size="10" fill="${INK.text}">${esc(label)}</text>`);
    legendX += labelWidth;
  });
  out.push('</g>');
  return out.join('');
}

/** Words into lines of at most `chars` characters. */
function wrap(text: string, chars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > chars) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

export function renderDashboard(title: string, subtitle: string, panels: readonly { panel: Panel; series: SeriesSet }[], seconds: number): string {
  const rows = Math.ceil(panels.length / COLS);
  const width = COLS * PANEL_W + (COLS + 1) * GAP;
  const sub = wrap(subtitle, Math.floor((width - 2 * GAP) / 6.2));
  const top = 44 + sub.length * 16;
  const height = top + rows * (PANEL_H + GAP) + GAP;
  const maxX = Math.max(1, Math.ceil(seconds));
  const body = panels.map(({ panel, series }, i) => panelSvg(panel, series, GAP + (i % COLS) * (PANEL_W + GAP), top + Math.floor(i / COLS) * (PANEL_H + GAP), maxX));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Inter, Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="${INK.bg}"/>`,
    `<text x="${GAP}" y="28" font-size="18" font-weight="600" fill="${INK.text}">${esc(title)}</text>`,
    ...sub.map((line, i) => `<text x="${GAP}" y="${50 + i * 16}" font-size="12" fill="${INK.muted}">${esc(line)}</text>`),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

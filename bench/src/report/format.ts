import type { Measure, Target, Unit } from './result.ts';

export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return '—';
  if (unit === 'rows/s') return Math.round(value).toLocaleString('en-US');
  if (unit === 'ms') return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
  return Math.round(value).toLocaleString('en-US');
}

/** A number with at most `digits` decimals, trailing zeros dropped (3, 2.5, 0.67). */
function trimmed(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}

export function formatRatio(ratio: number): string {
  const pct = ratio * 100;
  return `${trimmed(pct, pct >= 1 ? 1 : 2)} %`;
}

export function formatTarget(target: Target, unit: Unit): string {
  const op = target.op === '>=' ? '≥' : '≤';
  return target.of === 'ratio' ? `${op} ${formatRatio(target.value)}` : `${op} ${target.value.toLocaleString('en-US')} ${unit}`;
}

export function verdict(m: Measure): string {
  return m.pass === null ? '—' : m.pass ? 'pass' : 'FAIL';
}

/** A ratio between two figures of the same kind, to 2 significant digits below 1 and 3 above: 0.012×, 0.42×, 2.5×, 38.8×. */
export function formatTimes(ratio: number): string {
  if (!Number.isFinite(ratio) || ratio <= 0) return '—';
  return `${String(Number(ratio.toPrecision(ratio < 1 ? 2 : 3)))}×`;
}

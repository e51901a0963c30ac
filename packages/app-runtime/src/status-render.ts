import { describeProgress, formatBytes, formatCount, formatDuration } from './progress.ts';
import type { StatusUnitView, StatusView } from './status-board.ts';

const PROGRESS_UNIT: Record<StatusUnitView['kind'], string> = { table: 'rows', partition: 'records', slot: 'bytes', stream: 'records', kafka: 'records' };

/** The details of one unit, in the order an operator reads them. */
function details(unit: StatusUnitView): string {
  const parts: string[] = [];
  if (unit.phase) parts.push(unit.phase);
  if (unit.progress) {
    // a table that streams shows what its snapshot read; a streaming partition its lag, not a percentage
    if (unit.kind === 'table' && unit.phase === 'stream') parts.push(`snapshot done (${formatCount(unit.progress.done)} rows)`);
    else if (unit.kind !== 'partition' || unit.phase === 'batch') parts.push(describeProgress(unit.progress, PROGRESS_UNIT[unit.kind]));
  }
  if (unit.position !== undefined) parts.push(`at ${unit.position}`);
  const lag: string[] = [];
  if (unit.lagMessages !== undefined) lag.push(`${formatCount(unit.lagMessages)} messages`);
  if (unit.lagBytes !== undefined) lag.push(formatBytes(unit.lagBytes));
  if (unit.lagSeconds !== undefined && unit.lagSeconds !== null) lag.push(`${unit.lagSeconds.toFixed(1)}s`);
  if (lag.length > 0) parts.push(`lag ${lag.join(', ')}`);
  if (unit.records !== undefined) parts.push(`${formatCount(unit.records)} records`);
  if (unit.lastCommitAgeSeconds !== undefined) parts.push(`last commit ${formatDuration(unit.lastCommitAgeSeconds)} ago${unit.lastCommit ? ` (${unit.lastCommit})` : ''}`);
  if (unit.filesWritten !== undefined) parts.push(`${formatCount(unit.filesWritten)} files${unit.lastFile ? `, last ${unit.lastFile}` : ''}`);
  if (unit.deadLettered !== undefined) parts.push(`${formatCount(unit.deadLettered)} dead-lettered`);
  return parts.join(' · ');
}

/** `status` for people: a header, then one line per unit (kind, name, details). */
export function renderStatus(view: StatusView): string {
  const lines = [`${view.app}: ${view.status} (${view.at})`];
  if (view.units.length === 0) lines.push('  nothing reported yet (starting)');
  const width = Math.max(0, ...view.units.map((u) => u.name.length));
  for (const unit of view.units) lines.push(`  ${unit.kind.padEnd(9)} ${unit.name.padEnd(width)}  ${details(unit)}`);
  return `${lines.join('\n')}\n`;
}

import { rowOf } from './compare.ts';
import { LatestPerKey } from './latest-per-key.ts';
import type { StageRow } from './range-compare.ts';
import type { TableShape } from './shape.ts';
import { keyComparator } from './shape.ts';
import type { LineSource } from './verify-point.ts';
import { stageEntry, Truncates } from './versions.ts';

export interface StageAtPointOptions {
  /** Where sort runs are spilled (removed by the caller). */
  dir: string;
  /** Keys held in memory before a sorted run is spilled (default 20,000). */
  runKeys?: number | undefined;
  /** Runs merged at once (default 64). */
  fanIn?: number | undefined;
}

export interface StageAtPointStats {
  /** Lines read, and among them those after the point (not compared). */
  lines: number;
  afterPoint: number;
  /** Sort runs spilled to disk. */
  runs: number;
}

/**
 * The stage's latest version of each key of `shape` among the lines at or before the point
 * (`atPoint`), in key order, each with the duplicates met: lines are folded into an external
 * sort (runs of `runKeys` keys spilled to `dir`, merged back), so memory does not grow with the
 * table. A TRUNCATE at or before the point removes the versions before it.
 */
export async function* stageRowsAtPoint(
  shape: TableShape,
  lines: AsyncIterable<Record<string, unknown>>,
  atPoint: (source: LineSource | null | undefined) => boolean,
  options: StageAtPointOptions,
  stats: StageAtPointStats,
): AsyncGenerator<StageRow> {
  const latest = new LatestPerKey({ dir: options.dir, runKeys: options.runKeys ?? 20_000, fanIn: options.fanIn ?? 64, compare: keyComparator(shape) });
  const truncates = new Truncates();
  for await (const line of lines) {
    stats.lines++;
    if (!atPoint(line.__source as LineSource | null | undefined)) {
      stats.afterPoint++;
      continue;
    }
    const entry = stageEntry(line, shape);
    if (entry.kind === 'row') await latest.add(entry.key, entry.version);
    else if (entry.kind === 'truncate') truncates.add(entry.table, entry.position);
  }
  for await (const { key, version } of latest.sorted()) {
    if (version.deleted || truncates.removes(version)) continue;
    yield { ...rowOf(shape, key, version), duplicates: version.duplicates ?? 0 };
  }
  stats.runs = latest.stats.runs;
}

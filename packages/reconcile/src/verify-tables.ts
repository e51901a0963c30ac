import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ConnectionError, type PluginContext, Redacted } from '@buyonline/connect-api';
import type { StageSinkConfig } from '@buyonline/sink-stage';
import type { Sql } from 'postgres';
import { compareRanges, type RangeResult } from './range-compare.ts';
import { RateLimit } from './rate-limit.ts';
import { DEFAULT_EXCLUDED_COLUMNS, type KeyParts, type ReconcileTable, tableShape } from './shape.ts';
import { readCatalogColumns, readSourceRows, reconcileSql } from './source-rows.ts';
import { type StageAtPointStats, stageRowsAtPoint } from './stage-at-point.ts';
import { readStageLinesFor } from './stage-lines.ts';
import { confirmedFlush, pointFilter, reached, takePoint, type VerifyPoint } from './verify-point.ts';

export interface VerifyOptions {
  pgUrl: string | Redacted<string>;
  tables: readonly ReconcileTable[];
  sink: StageSinkConfig;
  excludeColumns?: readonly string[] | undefined;
  /** The capture's replication slot: its confirmed_flush_lsn must reach the point. */
  slot: string;
  /** Keys per range (of either side), hashed together. */
  rangeKeys: number;
  /** PostgreSQL rows read per second at most (undefined: no limit). */
  rowsPerSecond?: number | undefined;
  /**
   * Resolves once the consumer group committed everything the tables' topics held when it was
   * called (the app reads Kafka's group state): called after the slot confirmed the point.
   */
  stageCaughtUp: () => Promise<void>;
  /** How long the slot may take to confirm the point (default 120 s). */
  waitMs?: number | undefined;
  /** Parent of the sort runs' folder (default: the OS temp dir); keys per sorted run (default 20,000). */
  tmpDir?: string | undefined;
  runKeys?: number | undefined;
}

/** Counts of each kind of differing key (exact), over a table's ranges. */
export interface KeyCounts {
  lost: number;
  extra: number;
  changed: number;
  duplicated: number;
}

export type TableVerification =
  | {
      status: 'equal' | 'mismatch';
      schema: string;
      table: string;
      topics: readonly string[];
      /** The key columns, in key order (a range's bounds list their values). */
      keyColumns: string[];
      rows: { source: number; stage: number };
      ranges: number;
      counts: KeyCounts;
      /** The ranges that differ, with their keys (lists cut at LIST_LIMIT keys per table; counts exact). */
      mismatched: RangeResult[];
      stage: StageAtPointStats;
    }
  | { status: 'skipped'; schema: string; table: string; topics: readonly string[]; reason: string };

export interface VerifyRun {
  point: VerifyPoint;
  equal: boolean;
  tables: TableVerification[];
  /** When the point was taken (ms since the epoch) and how long the run took. */
  at: number;
  durationMs: number;
}

/** Keys listed per table (each kind together); counts stay exact. */
export const LIST_LIMIT = 1000;

const reveal = (url: string | Redacted<string>) => (url instanceof Redacted ? url.reveal() : url);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForSlot(sql: Sql, slot: string, point: VerifyPoint, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lsn = await confirmedFlush(sql, slot);
    if (lsn === null) throw new ConfigError(`verify: replication slot ${slot} does not exist (verify needs the log-based capture's slot)`);
    if (reached(lsn, point)) return;
    if (Date.now() > deadline) throw new ConnectionError(`verify: slot ${slot} confirmed ${lsn} and not the point ${point.lsn} within ${waitMs} ms: is the producer running?`);
    await sleep(200);
  }
}

function cut(range: RangeResult, budget: { left: number }): RangeResult {
  const take = <T>(list: T[]): T[] => {
    const kept = list.slice(0, Math.max(0, budget.left));
    budget.left -= kept.length;
    return kept;
  };
  return { ...range, lost: take(range.lost), extra: take(range.extra), changed: take(range.changed), duplicated: take(range.duplicated) };
}

/**
 * Verifies the tables at one point (verify-point.ts): takes the snapshot and its WAL position,
 * waits until the slot confirmed that position and the consumer group committed what Kafka held
 * then, and compares each table range by range (range-compare.ts): PostgreSQL read in the
 * snapshot in key order (rate-limited), the stage's latest version per key among the lines at or
 * before the point (stage-at-point.ts). Memory: one range, one sort run and one cursor batch.
 */
export async function verifyTables(options: VerifyOptions, ctx: PluginContext): Promise<VerifyRun> {
  if (options.tables.length === 0) throw new ConfigError('verify: no table to compare');
  const exclude = options.excludeColumns ?? DEFAULT_EXCLUDED_COLUMNS;
  const sql = reconcileSql(reveal(options.pgUrl), 2);
  const started = Date.now();
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'buyonline-verify-'));
  const tx = await sql.reserve();
  try {
    const point = await takePoint(tx);
    ctx.logger.info({ point }, 'verify: point taken, waiting for the stage to hold it');
    await waitForSlot(sql, options.slot, point, options.waitMs ?? 120_000);
    await options.stageCaughtUp();
    const atPoint = pointFilter(point);
    const tables: TableVerification[] = [];
    for (const ref of options.tables) {
      const base = { schema: ref.schema, table: ref.table, topics: typeof ref.topic === 'string' ? [ref.topic] : [...ref.topic] };
      const shaped = tableShape(ref, await readCatalogColumns(tx, ref), exclude);
      if (!shaped.ok) {
        tables.push({ ...base, status: 'skipped', reason: shaped.reason });
        continue;
      }
      const { shape } = shaped;
      const stats: StageAtPointStats = { lines: 0, afterPoint: 0, runs: 0 };
      const tableDir = await mkdtemp(join(dir, 'table-'));
      const stage = stageRowsAtPoint(shape, readStageLinesFor(options.sink, shape.topics, ctx, 'verify'), atPoint, { dir: tableDir, runKeys: options.runKeys }, stats);
      const source = new RateLimit(options.rowsPerSecond).limit(readSourceRows(tx, shape));
      const counts: KeyCounts = { lost: 0, extra: 0, changed: 0, duplicated: 0 };
      const rows = { source: 0, stage: 0 };
      const mismatched: RangeResult[] = [];
      const budget = { left: LIST_LIMIT };
      let ranges = 0;
      for await (const range of compareRanges(shape, source, stage, options.rangeKeys)) {
        ranges++;
        rows.source += range.sourceRows;
        rows.stage += range.stageRows;
        if (range.equal) continue;
        counts.lost += range.lost.length;
        counts.extra += range.extra.length;
        counts.changed += range.changed.length;
        counts.duplicated += range.duplicated.length;
        mismatched.push(cut(range, budget));
      }
      await rm(tableDir, { recursive: true, force: true });
      const keyColumns = shape.key.map((i) => shape.columns[i]?.name ?? '');
      tables.push({ ...base, status: mismatched.length === 0 ? 'equal' : 'mismatch', keyColumns, rows, ranges, counts, mismatched, stage: stats });
    }
    return { point, equal: tables.every((t) => t.status !== 'mismatch'), tables, at: started, durationMs: Date.now() - started };
  } finally {
    await tx.unsafe('rollback').catch(() => undefined);
    tx.release();
    await sql.end({ timeout: 5 });
    await rm(dir, { recursive: true, force: true });
  }
}

/** A range bound as snapshots store keys (source-postgres's TableKeys): one column's text, or the JSON array of a composite key's. */
export function keyText(key: KeyParts | null): string | null {
  if (key === null) return null;
  return key.length === 1 ? (key[0] as string) : JSON.stringify(key);
}

import { randomUUID } from 'node:crypto';
import type { PluginContext } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import { qualified } from '../sql-identifiers.ts';
import type { CapturedTable } from './captured-table.ts';
import type { ChunkSizer } from './chunk-sizer.ts';
import { compareLsn, normalizeLsn } from './lsn.ts';
import { type KeyRange, rangesOf } from './offsets.ts';
import { type Chunk, readChunk, readRangeChunk, type TextRow } from './snapshot-reader.ts';

/** Prefix of the WAL messages that open and close a chunk's window. */
export const CHUNK_WATERMARK = 'buyonline-chunk';

interface Window {
  id: string;
  table: CapturedTable;
  /** The low watermark came by in the stream: changes of the table from now on make chunk rows stale. */
  open: boolean;
  /** Keys changed inside the window: their chunk rows are older than what the stream carries. */
  changed: Set<string>;
  /** The table was truncated inside the window: no chunk row may come after it. */
  truncated: boolean;
  chunk: Chunk | undefined;
  /** Read-only windows: the standby's replay position read after the chunk; the chunk goes out once the stream passes it. */
  high: string | undefined;
}

export interface ChunkResult {
  table: CapturedTable;
  rows: TextRow[];
  /** The chunk's last key; null when the chunk was empty (the table is done). */
  lastKey: string | null;
  /** A snapshot of key ranges: the ranges left, this chunk's first. */
  ranges?: KeyRange[];
}

/**
 * Watermark-based snapshots of tables while the stream goes on (DBLog, as Debezium's incremental
 * snapshot): a low watermark is written into the WAL, a chunk of rows is read, a high watermark is
 * written. Changes of the table that the stream carries between the two marks win over the chunk's
 * rows of the same keys; the rest of the chunk is emitted where the high mark sits in the stream.
 * So no change is lost or reordered per key, and the slot is never dropped.
 *
 * On a standby nothing can be written (Debezium's read-only incremental snapshot): the window opens
 * before the chunk's snapshot is taken, and its high mark is `pg_last_wal_replay_lsn()` read after
 * the chunk (docs/standby.md says why that is safe). The caller reports where the stream is
 * (`passed`): commits, and keepalives in WAL order, which alone move an idle stream.
 */
export class IncrementalSnapshots {
  private readonly queue: CapturedTable[] = [];
  private window: Window | undefined;
  private failure: unknown;
  /** The source is a standby: windows without written watermarks. */
  readOnly = false;

  constructor(
    private readonly sql: () => Sql,
    private readonly chunkSize: ChunkSizer,
    private readonly ctx: PluginContext,
  ) {}

  get tables(): readonly CapturedTable[] {
    return this.queue;
  }

  /** A read-only window's chunk is read and waits for the stream to pass its high mark. */
  get waitingForStream(): boolean {
    return this.window?.high !== undefined;
  }

  add(table: CapturedTable): void {
    if (!this.queue.includes(table)) this.queue.push(table);
  }

  /** Starts the next chunk unless one is in flight; throws what a chunk read failed with. */
  kick(): void {
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      throw err;
    }
    const table = this.queue[0];
    if (this.window || !table) return;
    const window: Window = { id: randomUUID(), table, open: false, changed: new Set(), truncated: false, chunk: undefined, high: undefined };
    this.window = window;
    this.readBetweenMarks(window).catch((err: unknown) => {
      if (this.window === window) this.failure = err;
    });
  }

  private async readBetweenMarks(window: Window): Promise<void> {
    const sql = this.sql();
    if (this.readOnly) {
      // Everything the stream handed on before now was replayed before now, so the snapshot taken
      // below sees it; whatever comes by from now on wins over the chunk's row of its key.
      window.open = true;
      await this.readChunk(window);
      const [replayed] = await sql<{ lsn: string }[]>`select pg_last_wal_replay_lsn()::text as lsn`;
      window.high = normalizeLsn(replayed?.lsn ?? '0/0');
      return;
    }
    const mark = (kind: 'low' | 'high') => JSON.stringify({ id: window.id, table: window.table.name, kind });
    await sql`select pg_logical_emit_message(true, ${CHUNK_WATERMARK}, ${mark('low')})`;
    await this.readChunk(window);
    await sql`select pg_logical_emit_message(true, ${CHUNK_WATERMARK}, ${mark('high')})`;
  }

  private async readChunk(window: Window): Promise<void> {
    const tx = await this.sql().reserve();
    try {
      await tx.unsafe('begin isolation level repeatable read read only');
      // Locked before the snapshot is taken (LOCK TABLE takes none): a rewrite (ALTER TABLE … TYPE),
      // which is not MVCC-safe, committing between the snapshot and the read's own lock would
      // show the table empty and end its snapshot. A TRUNCATE inside the window drops the chunk anyway.
      await tx.unsafe(`lock table ${qualified(window.table.ref.schema, window.table.ref.table)} in access share mode`);
      const { offset } = window.table;
      const ranges = rangesOf(offset);
      window.chunk =
        ranges.length > 0 ? await readRangeChunk(tx, window.table, offset.last_key, ranges, this.chunkSize) : await readChunk(tx, window.table, offset.last_key, this.chunkSize);
      await tx.unsafe('commit');
    } finally {
      tx.release();
    }
  }

  /** A chunk watermark came by in the stream: at the high mark, the chunk's rows to emit there. */
  onWatermark(content: string): ChunkResult | undefined {
    const mark = JSON.parse(content) as { id: string; kind: 'low' | 'high' };
    const window = this.window;
    if (!window || mark.id !== window.id) return undefined; // a chunk abandoned by a restart
    if (mark.kind === 'low') {
      window.open = true;
      return undefined;
    }
    return this.close(window);
  }

  /**
   * A read-only window's chunk, once the stream passed `lsn` (a commit's end, or a keepalive's WAL
   * end, outside a source transaction) at or after its high mark; else undefined.
   */
  passed(lsn: string): ChunkResult | undefined {
    const window = this.window;
    if (!window?.high || compareLsn(lsn, window.high) < 0) return undefined;
    return this.close(window);
  }

  private close(window: Window): ChunkResult {
    const chunk = window.chunk as Chunk;
    this.window = undefined;
    const keys = window.table.keys;
    const rows = window.truncated || keys === null ? [] : chunk.rows.filter((row) => !window.changed.has(keys.keyText(row) ?? ''));
    if (chunk.lastKey === null) {
      this.queue.shift();
      this.ctx.logger.info({ table: window.table.name }, 'incremental snapshot done');
    }
    return chunk.ranges ? { table: window.table, rows, lastKey: chunk.lastKey, ranges: chunk.ranges } : { table: window.table, rows, lastKey: chunk.lastKey };
  }

  /** A change of `table` came by: inside the window, the chunk's row of that key is stale. */
  onChange(table: CapturedTable, keyText: string | null): void {
    const window = this.window;
    if (window?.open && window.table === table && keyText !== null) window.changed.add(keyText);
  }

  onTruncate(table: CapturedTable): void {
    const window = this.window;
    if (window?.open && window.table === table) window.truncated = true;
  }

  /** The stream restarts: a chunk in flight is abandoned (its marks will be ignored), and the tables are queued again by the caller. */
  reset(): void {
    this.queue.length = 0;
    this.window = undefined;
    this.failure = undefined;
  }
}

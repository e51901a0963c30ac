import type { TextRow } from '../pg-text.ts';
import { textRowBytes } from './value-bytes.ts';

/** Rows of a table's first chunk, read before its width is known. */
const FIRST_CHUNK_ROWS = 16;

/**
 * How many rows the next chunk of a table reads: at most `maxRows`, and about `maxBytes` of text
 * shared by the chunks read at once (one per parallel reader), judged by the widest row of the
 * table's last chunk. A table's first chunk reads a few rows to learn how wide they are. So a
 * table of 100 KB rows is read a few dozen rows at a time, one of 10-byte rows `maxRows` at a time.
 */
export class ChunkSizer {
  private readonly widest = new Map<string, number>();

  constructor(
    readonly maxRows: number,
    readonly maxBytes: number,
  ) {}

  /** Rows for the next chunk of `table`, one of `readers` chunks read at once. */
  rows(table: string, readers = 1): number {
    const widest = this.widest.get(table);
    if (widest === undefined) return Math.min(this.maxRows, FIRST_CHUNK_ROWS);
    return Math.max(1, Math.min(this.maxRows, Math.floor(this.maxBytes / Math.max(1, readers) / widest)));
  }

  /** A chunk of `table` was read: its widest row sizes the next one. */
  observe(table: string, rows: readonly TextRow[]): void {
    if (rows.length === 0) return;
    let widest = 0;
    for (let i = 0; i < rows.length; i++) widest = Math.max(widest, textRowBytes(rows[i] as TextRow));
    this.widest.set(table, widest);
  }
}

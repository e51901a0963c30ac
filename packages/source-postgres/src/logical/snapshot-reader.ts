import type { ReservedSql } from 'postgres';
import { type TextRow, textExpression } from '../pg-text.ts';
import { qualified, quoteLiteral } from '../sql-identifiers.ts';
import type { CapturedTable } from './captured-table.ts';
import type { ChunkSizer } from './chunk-sizer.ts';
import { copyOut } from './copy-out.ts';
import { parseCopyText } from './copy-text.ts';
import type { KeyRange } from './offsets.ts';
import type { TableShape } from './table-schema.ts';

export type { TextRow } from '../pg-text.ts';

/** The table's columns in their text form, as pgoutput sends them (read by position: see `textRows`). */
export function textSelectList(shape: TableShape): string {
  return shape.columns.map((c, i) => `${textExpression(c.info)} as c${i}`).join(', ');
}

/**
 * Rows read by position into objects keyed by the columns' names, with own properties only: the
 * driver's row objects would let a column named `__proto__` set their prototype (losing the
 * value), and an alias of ours could shadow a column.
 */
function textRows(shape: TableShape, values: readonly (readonly (string | null)[])[]): TextRow[] {
  const names = shape.columns.map((c) => c.info.name);
  return values.map((v) => {
    const row: TextRow = {};
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      if (name === '__proto__') Object.defineProperty(row, name, { value: v[i] ?? null, enumerable: true, writable: true, configurable: true });
      else row[name] = v[i] ?? null;
    }
    return row;
  });
}

/** Where a chunk ended: the last key read (a ctid for a keyless table), null when nothing was read. */
export interface Chunk {
  rows: TextRow[];
  lastKey: string | null;
  /** A snapshot of key ranges: the ranges not read to their end yet, the chunk's own first. */
  ranges?: KeyRange[];
}

/**
 * Reads the next chunk of a table in the given transaction: rows after `lastKey` in primary key
 * order, walking the primary key index, as many as `size` allows (in rows and bytes, the chunk
 * being one of `readers` read at once). A keyless table is walked by ctid, which is stable only
 * within one snapshot (a resumed snapshot of a keyless table starts it over). The rows come through
 * `COPY (select …) TO STDOUT`, whose text output PostgreSQL writes and the driver hands over far
 * faster than a row query's; the values are the same texts (`copy-text.ts` undoes COPY's escapes).
 */
export async function readChunk(tx: ReservedSql, table: CapturedTable, lastKey: string | null, size: ChunkSizer, readers = 1): Promise<Chunk> {
  const chunk = await readRows(tx, table, lastKey, size.rows(table.name, readers));
  size.observe(table.name, chunk.rows);
  return chunk;
}

async function readRows(tx: ReservedSql, table: CapturedTable, lastKey: string | null, limit: number): Promise<Chunk> {
  const target = qualified(table.ref.schema, table.ref.table);
  const selectList = textSelectList(table.shape);
  const width = table.shape.columns.length;
  if (table.keys === null) {
    const where = lastKey === null ? '' : `where t.ctid > ${quoteLiteral(lastKey)}::tid`;
    const values = parseCopyText(await copyOut(tx, `select ${selectList}, t.ctid::text from ${target} t ${where} order by t.ctid limit ${Math.trunc(limit)}`), width + 1);
    const last = values.at(-1)?.at(-1) ?? null;
    return { rows: textRows(table.shape, values), lastKey: last };
  }
  await table.keys.describe(tx);
  const rows = textRows(table.shape, parseCopyText(await copyOut(tx, table.keys.chunkSelect(target, selectList, lastKey, limit)), width));
  const last = rows.at(-1);
  return { rows, lastKey: last ? table.keys.keyText(last) : null };
}

/**
 * The next chunk of a snapshot of key ranges (a table with a primary key): rows of the first
 * range in (`lastKey` or its `after`, `upTo`], in key order; a range with nothing left is
 * dropped and the next one read, so a chunk holds rows of one range. `lastKey` null: all read.
 */
export async function readRangeChunk(tx: ReservedSql, table: CapturedTable, lastKey: string | null, ranges: readonly KeyRange[], size: ChunkSizer): Promise<Chunk> {
  const keys = table.keys;
  if (keys === null) throw new TypeError(`${table.name} has no primary key: its snapshot cannot be limited to key ranges`);
  await keys.describe(tx);
  const left = [...ranges];
  let from = lastKey;
  for (let range = left[0]; range; range = left[0]) {
    const select = keys.chunkSelect(qualified(table.ref.schema, table.ref.table), textSelectList(table.shape), from ?? range.after, size.rows(table.name, 1), range.upTo);
    const rows = textRows(table.shape, parseCopyText(await copyOut(tx, select), table.shape.columns.length));
    const last = rows.at(-1);
    if (last) {
      size.observe(table.name, rows);
      return { rows, lastKey: keys.keyText(last), ranges: left };
    }
    left.shift();
    from = null;
  }
  return { rows: [], lastKey: null, ranges: [] };
}

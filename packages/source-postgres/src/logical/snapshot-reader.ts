import type { ReservedSql } from 'postgres';
import { type TextRow, textExpression } from '../pg-text.ts';
import { qualified } from '../sql-identifiers.ts';
import type { CapturedTable } from './captured-table.ts';
import type { ChunkSizer } from './chunk-sizer.ts';
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
 * within one snapshot (a resumed snapshot of a keyless table starts it over).
 */
export async function readChunk(tx: ReservedSql, table: CapturedTable, lastKey: string | null, size: ChunkSizer, readers = 1): Promise<Chunk> {
  const chunk = await readRows(tx, table, lastKey, size.rows(table.name, readers));
  size.observe(table.name, chunk.rows);
  return chunk;
}

async function readRows(tx: ReservedSql, table: CapturedTable, lastKey: string | null, limit: number): Promise<Chunk> {
  const target = qualified(table.ref.schema, table.ref.table);
  const selectList = textSelectList(table.shape);
  if (table.keys === null) {
    const where = lastKey === null ? '' : 'where t.ctid > $2::tid';
    const values = await tx
      .unsafe(`select ${selectList}, t.ctid::text from ${target} t ${where} order by t.ctid limit $1`, lastKey === null ? [limit] : [limit, lastKey])
      .values();
    const last = (values.at(-1)?.at(-1) as string | undefined) ?? null;
    return { rows: textRows(table.shape, values as (string | null)[][]), lastKey: last };
  }
  await table.keys.describe(tx);
  const query = table.keys.chunkQuery(target, selectList, lastKey, limit);
  const rows = textRows(table.shape, (await tx.unsafe(query.text, query.params).values()) as (string | null)[][]);
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
    const query = keys.chunkQuery(qualified(table.ref.schema, table.ref.table), textSelectList(table.shape), from ?? range.after, size.rows(table.name, 1), range.upTo);
    const rows = textRows(table.shape, (await tx.unsafe(query.text, query.params).values()) as (string | null)[][]);
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

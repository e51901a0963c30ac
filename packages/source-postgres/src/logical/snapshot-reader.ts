import type { ReservedSql } from 'postgres';
import { type TextRow, textExpression } from '../pg-text.ts';
import { qualified, quoteLiteral } from '../sql-identifiers.ts';
import type { CapturedTable } from './captured-table.ts';
import type { ChunkSizer } from './chunk-sizer.ts';
import { copyOut } from './copy-out.ts';
import { parseCopyText } from './copy-text.ts';
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

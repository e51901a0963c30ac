import type { ReservedSql } from 'postgres';
import { textExpression } from '../pg-text.ts';
import { qualified, quoteIdent } from '../sql-identifiers.ts';
import type { CapturedTable } from './captured-table.ts';
import type { ChunkSizer } from './chunk-sizer.ts';
import type { TableShape } from './table-schema.ts';

export type TextRow = Record<string, string | null>;

/** The table's columns in their text form, as pgoutput sends them. */
export function textSelectList(shape: TableShape): string {
  return shape.columns.map((c) => `${textExpression(c.info)} as ${quoteIdent(c.info.name)}`).join(', ');
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
    const rows = await tx.unsafe<(TextRow & { __ctid: string })[]>(
      `select ${selectList}, t.ctid::text as __ctid from ${target} t ${where} order by t.ctid limit $1`,
      lastKey === null ? [limit] : [limit, lastKey],
    );
    const last = rows.at(-1)?.__ctid ?? null;
    for (const row of rows) delete (row as Partial<typeof row>).__ctid;
    return { rows, lastKey: last };
  }
  await table.keys.describe(tx);
  const query = table.keys.chunkQuery(target, selectList, lastKey, limit);
  const rows = await tx.unsafe<TextRow[]>(query.text, query.params);
  const last = rows.at(-1);
  return { rows, lastKey: last ? table.keys.keyText(last) : null };
}

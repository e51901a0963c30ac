import { DataError } from '@buyonline/connect-api';
import type { Row, SnowflakeClient } from './client.ts';

/** A table's rows to read in Kafka order: what to select, which rows, and the SQL of their Kafka partition and offset. */
export interface KafkaOrderedSelect {
  /** The select list, and the qualified table. */
  columns: string;
  table: string;
  /** A condition every row read meets (the topics'), or null. */
  where: string | null;
  /** SQL expressions of a row's Kafka partition and offset (integers; the WHERE conditions use them as written, the order their values). */
  partition: string;
  offset: string;
}

/** Rows read per page by default: what the reader holds at once. */
export const PAGE_ROWS = 10_000;

const PAGE_PARTITION = '__PAGE_PARTITION';
const PAGE_OFFSET = '__PAGE_OFFSET';

type Position = readonly [partition: string, offset: string];

function statement(s: KafkaOrderedSelect, condition: string | null, limit: number | null): string {
  const where = [s.where, condition].filter((c): c is string => c !== null);
  return (
    `SELECT ${s.columns}, ${s.partition} AS "${PAGE_PARTITION}", ${s.offset} AS "${PAGE_OFFSET}" FROM ${s.table}` +
    (where.length > 0 ? ` WHERE ${where.map((c) => `(${c})`).join(' AND ')}` : '') +
    // by the numbers selected: the select list may render a column of the same name as text
    ` ORDER BY "${PAGE_PARTITION}", "${PAGE_OFFSET}"` +
    (limit === null ? '' : ` LIMIT ${limit}`)
  );
}

/** Rows after `after` in Kafka order, at most `limit` of them. */
export function pageStatement(s: KafkaOrderedSelect, after: Position | null, limit: number): string {
  const condition = after === null ? null : `${s.partition} > ${after[0]} OR (${s.partition} = ${after[0]} AND ${s.offset} > ${after[1]})`;
  return statement(s, condition, limit);
}

/** Every row at exactly one Kafka position (a record loaded twice is two rows there). */
export function samePositionStatement(s: KafkaOrderedSelect, at: Position): string {
  return statement(s, `${s.partition} = ${at[0]} AND ${s.offset} = ${at[1]}`, null);
}

function positionOf(row: Row): Position {
  const p = String(row[PAGE_PARTITION] ?? '');
  const o = String(row[PAGE_OFFSET] ?? '');
  if (!/^\d+$/.test(p) || !/^\d+$/.test(o)) throw new DataError(`a loaded row has no Kafka partition and offset (${p}, ${o}): verify orders rows by them`);
  return [p, o];
}

const same = (a: Position, b: Position) => a[0] === b[0] && a[1] === b[1];

/**
 * The rows of `s` in Kafka order (partition, then offset), page by page: at most `pageRows` rows
 * are held at once (and the SDK's answer of one page). Pages follow the last position read (keyset
 * pagination, so rows loaded meanwhile at later offsets do not shift a page) until a page comes
 * back empty: a page shorter than asked is not taken as the end (a server may answer fewer rows).
 * The last position of a page is read again whole, on its own, so every copy of a record loaded
 * twice is read exactly once even when a page ends between them.
 */
export async function* readInKafkaOrder(client: SnowflakeClient, s: KafkaOrderedSelect, pageRows = PAGE_ROWS): AsyncGenerator<Row> {
  let after: Position | null = null;
  for (;;) {
    const rows = await client.execute(pageStatement(s, after, pageRows));
    const last = rows.at(-1);
    if (last === undefined) return;
    const edge = positionOf(last);
    for (const row of rows) if (!same(positionOf(row), edge)) yield row;
    yield* await client.execute(samePositionStatement(s, edge));
    after = edge;
  }
}

import type { ColumnInfo } from '../logical/column-types.ts';
import { textExpression } from '../pg-text.ts';
import { qualified, quoteIdent } from '../sql-identifiers.ts';
import type { TableRef } from '../tables.ts';
import { CDC_TXID, CDC_VERSION } from './cdc-objects.ts';
import { offsetKey, type PollingOffset } from './offset.ts';

/** Aliases of what a poll selects beside the row's own columns. */
export const POLL_FIELDS = { txid: 'buyonline.cdc_txid', version: 'buyonline.cdc_version', tsUs: 'buyonline.ts_us' } as const;

export function keyField(index: number): string {
  return `buyonline.key.${index}`;
}

/**
 * The alias of the row's column at `index`: every output column is ours, so none can be shadowed
 * by a column's own name, and a column named `__proto__` is a plain key of the driver's row object.
 */
export function columnField(index: number): string {
  return `buyonline.column.${index}`;
}

type Column = Pick<ColumnInfo, 'name' | 'typeName'>;

export interface PollTarget {
  ref: TableRef;
  /** The columns the records carry. */
  columns: readonly Column[];
  /** The primary key's columns, in key order (whether or not the records carry them). */
  keyColumns: readonly Column[];
  /** The timestamp column that dates the records (`timestampColumn`), when the table has it. */
  timestamp: string | undefined;
}

export interface PollQuery {
  text: string;
  params: (string | number)[];
}

/**
 * The next page of a table: row versions written by transactions below `horizon` (so a
 * transaction still running is waited for, never stepped over), after `position` in
 * (cdc_txid, primary key) order. Key values go back as text and take the column's type from
 * the comparison; every column is qualified with `t.`, since a bare name would be the text
 * output column and sort "10" before "9".
 */
export function pollQuery(target: PollTarget, horizon: string, position: PollingOffset | undefined, limit: number): PollQuery {
  const txid = `t.${quoteIdent(CDC_TXID)}`;
  const keys = target.keyColumns.map((c) => `t.${quoteIdent(c.name)}`);
  const select = [
    ...target.columns.map((c, i) => `${textExpression(c)} as ${quoteIdent(columnField(i))}`),
    `${txid}::text as ${quoteIdent(POLL_FIELDS.txid)}`,
    `t.${quoteIdent(CDC_VERSION)}::text as ${quoteIdent(POLL_FIELDS.version)}`,
    ...target.keyColumns.map((c, i) => `${textExpression(c)} as ${quoteIdent(keyField(i))}`),
    ...(target.timestamp ? [`(extract(epoch from t.${quoteIdent(target.timestamp)}) * 1000000)::int8::text as ${quoteIdent(POLL_FIELDS.tsUs)}`] : []),
  ];
  const after = position ? offsetKey(position) : null;
  const params: (string | number)[] = [horizon, position?.txid ?? '0'];
  let from: string;
  if (after === null) {
    from = `${txid} >= $2::xid8`;
  } else {
    const placeholders = after.map((text) => {
      params.push(text);
      return `$${params.length}`;
    });
    from = `(${[txid, ...keys].join(', ')}) > ($2::xid8, ${placeholders.join(', ')})`;
  }
  params.push(limit);
  const text = `select ${select.join(', ')}
  from ${qualified(target.ref.schema, target.ref.table)} t
 where ${txid} < $1::xid8 and ${from}
 order by ${[txid, ...keys].join(', ')}
 limit $${params.length}`;
  return { text, params };
}

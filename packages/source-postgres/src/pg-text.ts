import type { ColumnInfo } from './logical/column-types.ts';
import { quoteIdent } from './sql-identifiers.ts';

/** Session settings of every connection: values print the same way on each of them, in both capture modes. */
export const SESSION = { TimeZone: 'UTC', DateStyle: 'ISO', IntervalStyle: 'iso_8601', extra_float_digits: '3', bytea_output: 'hex' };

/** A column of table alias `t` in PostgreSQL's text output, as pgoutput sends it (`::text` would strip char(n) padding). */
export function textExpression(column: Pick<ColumnInfo, 'name' | 'typeName'>): string {
  const col = `t.${quoteIdent(column.name)}`;
  return column.typeName === 'bpchar' ? `case when ${col} is null then null else concat(${col}) end` : `${col}::text`;
}

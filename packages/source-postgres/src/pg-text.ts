import type { ColumnInfo } from './logical/column-types.ts';
import { quoteIdent } from './sql-identifiers.ts';

/** A row in PostgreSQL's text output, by column name (null for SQL NULL). */
export type TextRow = Record<string, string | null>;

/** Session settings of every connection: values print the same way on each of them, in both capture modes. */
export const SESSION = { TimeZone: 'UTC', DateStyle: 'ISO', IntervalStyle: 'iso_8601', extra_float_digits: '3', bytea_output: 'hex' };

/**
 * Types whose cast to text is a function of its own, not the type's output function that pgoutput
 * uses: bpchar strips its padding, inet and cidr always add the mask length (`10.0.0.1/32`),
 * "char" prints a byte differently. concat() calls the output function.
 */
const OWN_TEXT_CAST = new Set(['bpchar', 'char', 'inet', 'cidr']);

/** A column of table alias `t` in PostgreSQL's text output (its output function), as pgoutput sends it. */
export function textExpression(column: Pick<ColumnInfo, 'name' | 'typeName'>): string {
  const col = `t.${quoteIdent(column.name)}`;
  return OWN_TEXT_CAST.has(column.typeName) ? `case when ${col} is null then null else concat(${col}) end` : `${col}::text`;
}

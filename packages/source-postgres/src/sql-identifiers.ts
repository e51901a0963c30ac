/** Quotes an SQL identifier (for DDL that cannot use bind parameters). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * Quotes a text value as an SQL literal, for statements that cannot take bind parameters (COPY):
 * an escape string (`E'…'`), read the same whatever `standard_conforming_strings` is.
 */
export function quoteLiteral(value: string): string {
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

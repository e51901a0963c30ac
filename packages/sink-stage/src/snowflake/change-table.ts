import { ConfigError } from '@buyonline/connect-api';
import type { SnowflakeClient } from './client.ts';
import { currentRowToLine, lineValue, typedSelectList } from './current-table.ts';
import { readInKafkaOrder } from './kafka-order-pages.ts';
import { qualifiedName, quoteLiteral, type SnowflakeSqlTarget } from './sql.ts';
import { tableNameForTopic } from './table-naming.ts';
import { typeOfInfoSchemaRow } from './typed-columns.ts';
import { columnsStatement } from './typed-sql.ts';

/** An integer as the stage line's JSON carries it: a number when exact, else its text. */
function integerValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const text = String(value);
  if (!/^-?\d+$/.test(text)) return value;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

/**
 * A typed change-table row (one version: a change, a snapshot read, a delete or a TRUNCATE) →
 * the stage line it was loaded from: the row's fields, `__op`, `__deleted`, `__unchanged_toast`,
 * `__source` (lsn, txid) and `__kafka`.
 */
export function changeRowToLine(row: Record<string, unknown>, columns: Parameters<typeof currentRowToLine>[1], topic: string): Record<string, unknown> {
  const line = currentRowToLine(row, columns, topic);
  line.__deleted = lineValue('BOOLEAN', row.__DELETED) === true;
  const toast = lineValue('VARIANT', row.__UNCHANGED_TOAST);
  if (Array.isArray(toast)) line.__unchanged_toast = toast;
  line.__source = { lsn: row.__SOURCE_LSN ?? null, txid: integerValue(row.__SOURCE_TXID) };
  return line;
}

/**
 * Every row of a topic's typed change table (the table COPY INTO fills: every version, with its
 * source LSN and txid), as stage lines, in Kafka order, a page at a time (kafka-order-pages.ts).
 * Verify needs every version, not the latest state `<table>_CURRENT` holds: a key's latest
 * version may be newer than the point it compares at.
 */
export async function* readChangeTableLines(
  client: SnowflakeClient,
  t: Pick<SnowflakeSqlTarget, 'database' | 'schema'>,
  topic: string,
  topic2table: Readonly<Record<string, string>> = {},
  pageRows?: number,
): AsyncGenerator<Record<string, unknown>> {
  const table = tableNameForTopic(topic, topic2table);
  const columns = (await client.execute(columnsStatement(t, table))).map((r) => ({ name: String(r.COLUMN_NAME ?? r.column_name), type: typeOfInfoSchemaRow(r) }));
  if (columns.length === 0) throw new ConfigError(`the typed table ${t.database}.${t.schema}.${table} of topic ${topic} does not exist (SNOWFLAKE_LOAD=true creates and fills it)`);
  const select = {
    columns: typedSelectList(columns),
    table: qualifiedName(t.database, t.schema, table),
    where: `"__KAFKA_TOPIC" = ${quoteLiteral(topic)}`,
    partition: '"__KAFKA_PARTITION"',
    offset: '"__KAFKA_OFFSET"',
  };
  for await (const row of readInKafkaOrder(client, select, pageRows)) yield changeRowToLine(row, columns, topic);
}

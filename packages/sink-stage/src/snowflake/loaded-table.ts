import { parseStageLine } from '../stage-line-json.ts';
import type { SnowflakeClient } from './client.ts';
import { readInKafkaOrder } from './kafka-order-pages.ts';
import { qualifiedName, quoteIdent, quoteLiteral, type SnowflakeSqlTarget, variantTable } from './sql.ts';

/**
 * The lines COPY INTO loaded into the VARIANT target table that belong to `topics` (their
 * `__kafka.topic`): every version, in Kafka order, a page at a time (kafka-order-pages.ts).
 */
export async function* readLoadedTableLines(client: SnowflakeClient, t: SnowflakeSqlTarget, topics: readonly string[], pageRows?: number): AsyncGenerator<Record<string, unknown>> {
  if (topics.length === 0) return;
  const v = quoteIdent(t.variantColumn);
  const select = {
    columns: `${v} AS "RECORD"`,
    table: qualifiedName(t.database, t.schema, variantTable(t)),
    where: `${v}:__kafka.topic::VARCHAR IN (${topics.map(quoteLiteral).join(', ')})`,
    partition: `${v}:__kafka.partition::NUMBER`,
    offset: `${v}:__kafka.offset::NUMBER`,
  };
  for await (const row of readInKafkaOrder(client, select, pageRows)) {
    yield (typeof row.RECORD === 'string' ? parseStageLine(row.RECORD) : row.RECORD) as Record<string, unknown>;
  }
}

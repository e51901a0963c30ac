import type { SnowflakeClient } from './client.ts';
import { selectLoadedStatement, type SnowflakeSqlTarget } from './sql.ts';

/** The lines COPY INTO loaded into the VARIANT target table that belong to `topics` (their `__kafka.topic`). The answer is held in memory. */
export async function readLoadedTableLines(client: SnowflakeClient, t: SnowflakeSqlTarget, topics: readonly string[]): Promise<Record<string, unknown>[]> {
  const rows = await client.execute(selectLoadedStatement(t));
  const wanted = new Set(topics);
  return rows
    .map((r) => (typeof r.RECORD === 'string' ? JSON.parse(r.RECORD) : r.RECORD) as Record<string, unknown>)
    .filter((line) => line && wanted.has(String((line.__kafka as { topic?: unknown } | undefined)?.topic)));
}

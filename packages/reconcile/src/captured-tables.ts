import { ConfigError } from '@buyonline/connect-api';
import { type PostgresSourceConfig, postgresSourcePlugin, resolveTables, topicFor } from '@buyonline/source-postgres';
import type { ReconcileOptions } from './reconcile-tables.ts';
import { reconcileSql } from './source-rows.ts';

/** The source plugin whose configuration says what reconcile compares: a pipeline file's `source:` section is read with it. */
export const reconcileSourcePlugin = postgresSourcePlugin;

/**
 * What a source configuration captures, as reconcile compares it: every table (resolved as the
 * producer resolves them: list, regex, excludes), each with the topic the producer writes it
 * to, and the columns the source leaves out of its records.
 */
export async function capturedTables(source: PostgresSourceConfig): Promise<Pick<ReconcileOptions, 'pgUrl' | 'tables' | 'excludeColumns'>> {
  const sql = reconcileSql(source.url.reveal());
  try {
    const tables = await resolveTables(sql, source);
    return {
      pgUrl: source.url,
      tables: tables.map((t) => ({ schema: t.schema, table: t.table, topic: topicFor(source, t) })),
      excludeColumns: source.excludeColumns,
    };
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`reconcile: ${err.message}`);
    throw err;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, ConnectionError, type PluginContext } from '@buyonline/kafka-common';
import { parseStageFileName, selectLoadedStatement, type SnowflakeStageConfig, snowflakeClientFor } from '@buyonline/sink-stage';
import postgres from 'postgres';
import type { ProductState } from './reconcile.ts';

const quote = (ident: string) => `"${ident.replaceAll('"', '""')}"`;

/** `schema.table` or `table` (public), each part quoted. */
export function qualifiedPgTable(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((p) => p.length === 0)) throw new ConfigError(`PG_TABLE: expected <schema>.<table>, got ${name}`);
  return (parts.length === 1 ? ['public', ...parts] : parts).map(quote).join('.');
}

/** PostgreSQL's current rows, as text in the stage's formats (price exact, timestamp ISO µs UTC). */
export async function readSourceRows(pgUrl: string, table: string): Promise<ProductState[]> {
  const sql = postgres(pgUrl, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
  try {
    return await sql.unsafe<ProductState[]>(
      `select id::text as id, name, category, price::text as price,
              to_char(updated_timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as updated_timestamp
         from ${qualifiedPgTable(table)}`,
    );
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '42P01') throw new ConfigError(`PG_TABLE: table ${table} does not exist`, { cause: err });
    if (code === '28P01' || code === '28000') throw new ConfigError('PG_URL: PostgreSQL refused the credentials', { cause: err });
    throw new ConnectionError(`cannot read ${table} from PostgreSQL: ${(err as Error).message}`, { cause: err });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Every line of every finished file of the topics in a local stage directory. */
export async function readLocalStageLines(root: string, topics: readonly string[]): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  for (const topic of topics) {
    let partitions: string[];
    try {
      partitions = await readdir(join(root, topic));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const dir of partitions) {
      for (const name of await readdir(join(root, topic, dir))) {
        const ref = parseStageFileName(name);
        if (!ref || ref.topic !== topic) continue;
        const text = await readFile(join(root, topic, dir, name), 'utf8');
        for (const raw of text.split('\n')) if (raw) lines.push(JSON.parse(raw) as Record<string, unknown>);
      }
    }
  }
  return lines;
}

/** The rows COPY INTO loaded into the Snowflake target table (one VARIANT per line), for the topics. */
export async function readSnowflakeLines(config: SnowflakeStageConfig, topics: readonly string[], ctx: PluginContext): Promise<Record<string, unknown>[]> {
  if (!config.load) throw new ConfigError('reconcile reads the table COPY INTO fills: set SNOWFLAKE_LOAD=true (and SNOWFLAKE_TABLE)');
  if (config.dryRun) throw new ConfigError('reconcile cannot run with SNOWFLAKE_DRY_RUN=true');
  const client = snowflakeClientFor(config, ctx);
  try {
    const rows = await client.execute(selectLoadedStatement(config));
    const wanted = new Set(topics);
    return rows
      .map((r) => (typeof r.RECORD === 'string' ? JSON.parse(r.RECORD) : r.RECORD) as Record<string, unknown>)
      .filter((line) => line && wanted.has(String((line.__kafka as { topic?: unknown } | undefined)?.topic)));
  } finally {
    await client.close();
  }
}

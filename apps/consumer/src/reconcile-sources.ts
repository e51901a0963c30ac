import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigError, ConnectionError, DataError, type PluginContext } from '@buyonline/connect-api';
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

const mapPgError = (table: string, err: unknown): Error => {
  const code = (err as { code?: string }).code;
  if (code === '42P01') return new ConfigError(`PG_TABLE: table ${table} does not exist`, { cause: err });
  if (code === '28P01' || code === '28000') return new ConfigError('PG_URL: PostgreSQL refused the credentials', { cause: err });
  return new ConnectionError(`cannot read ${table} from PostgreSQL: ${(err as Error).message}`, { cause: err });
};

/**
 * PostgreSQL's current rows in id order, as text in the stage's formats (price exact,
 * timestamp ISO µs UTC), read through a cursor `batch` rows at a time: one consistent
 * snapshot (one statement), never the whole table in memory.
 */
export async function* readSourceRows(pgUrl: string, table: string, batch = 5_000): AsyncGenerator<ProductState> {
  const sql = postgres(pgUrl, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
  try {
    const cursor = sql
      .unsafe<ProductState[]>(
        // ORDER BY the column (p.id), not the text alias `id`: text order would put 10 before 9.
        `select p.id::text as id, p.name, p.category, p.price::text as price,
                to_char(p.updated_timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as updated_timestamp
           from ${qualifiedPgTable(table)} as p
          order by p.id`,
      )
      .cursor(batch);
    try {
      for await (const rows of cursor) yield* rows;
    } catch (err) {
      throw mapPgError(table, err);
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Every line of every finished file of the topics in a local stage directory, one at a time. */
export async function* readLocalStageLines(root: string, topics: readonly string[]): AsyncGenerator<Record<string, unknown>> {
  for (const topic of topics) {
    let partitions: string[];
    try {
      partitions = await readdir(join(root, topic));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const dir of partitions.sort()) {
      for (const name of (await readdir(join(root, topic, dir))).sort()) {
        const ref = parseStageFileName(name);
        if (!ref || ref.topic !== topic) continue;
        const path = join(root, topic, dir, name);
        const lines = createInterface({ input: createReadStream(path, { highWaterMark: 256 * 1024 }), crlfDelay: Number.POSITIVE_INFINITY });
        let n = 0;
        for await (const raw of lines) {
          n++;
          if (!raw) continue;
          try {
            yield JSON.parse(raw) as Record<string, unknown>;
          } catch (err) {
            throw new DataError(`stage file ${path} line ${n} is not JSON: ${(err as Error).message}`, { cause: err });
          }
        }
      }
    }
  }
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

import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DataError, type PluginContext } from '@buyonline/connect-api';
import type { LocalStageConfig, SnowflakeStageConfig } from './config.ts';
import { parseStageFileName } from './file-naming.ts';
import { snowflakeClientFor } from './plugin.ts';
import { readChangeTableLines } from './snowflake/change-table.ts';
import { readCurrentTableLines } from './snowflake/current-table.ts';
import { readLoadedTableLines } from './snowflake/loaded-table.ts';
import { parseStageLine } from './stage-line-json.ts';

/** One line of a stage, as an object: what `stageLine` wrote (row fields under their stage names, `__op`, `__source`, `__kafka`, …). */
export type StageLine = Record<string, unknown>;

/**
 * Which typed tables a Snowflake stage is read from: `current`, each topic's current-state table
 * (`<table>_CURRENT`, the latest version per key: reconcile, which compares latest states), or
 * `changes`, the typed tables COPY INTO fills (every version with its source LSN and txid:
 * verify, which compares at a point).
 */
export type TypedTablesRead = 'current' | 'changes';

/**
 * The stage reader: the lines a stage holds for `topics`, for tools that check a stage against
 * its source (reconcile, verify). An integer beyond 2^53 comes back as an exact bigint.
 * - a local directory: every line of every finished file of the topics, file by file (every
 *   version of every key, as written);
 * - Snowflake, typed tables: per `typed`, the rows of each topic's current-state table, or of its
 *   typed change table (every version), as lines;
 * - Snowflake, VARIANT: the lines COPY INTO loaded into the target table, of these topics.
 * Local files are streamed; Snowflake's change tables are read in Kafka order a page at a time
 * (at most 10,000 rows held); a current-state table is read whole.
 */
export function readStageLines(
  config: Pick<LocalStageConfig, 'stage' | 'dir'> | SnowflakeStageConfig,
  topics: readonly string[],
  ctx: PluginContext,
  typed: TypedTablesRead = 'current',
): AsyncGenerator<StageLine> {
  return config.stage === 'snowflake' ? readSnowflakeLines(config, topics, ctx, typed) : readLocalStageLines(config.dir, topics);
}

/** Every line of every finished file of the topics in a local stage directory, one at a time. */
async function* readLocalStageLines(root: string, topics: readonly string[]): AsyncGenerator<StageLine> {
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
            yield parseStageLine(raw);
          } catch (err) {
            throw new DataError(`stage file ${path} line ${n} is not JSON: ${(err as Error).message}`, { cause: err });
          }
        }
      }
    }
  }
}

/** What Snowflake holds for the topics (see readStageLines); then the client is closed. */
async function* readSnowflakeLines(config: SnowflakeStageConfig, topics: readonly string[], ctx: PluginContext, typed: TypedTablesRead): AsyncGenerator<StageLine> {
  const client = snowflakeClientFor(config, ctx);
  try {
    if (config.tableFormat === 'variant') {
      yield* readLoadedTableLines(client, config, topics);
    } else if (typed === 'changes') {
      for (const topic of topics) yield* readChangeTableLines(client, config, topic, config.topic2table);
    } else {
      for (const topic of topics) yield* await readCurrentTableLines(client, config, topic, config.topic2table);
    }
  } finally {
    await client.close();
  }
}

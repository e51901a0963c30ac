import { ConfigError, type SourcePartition } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import type { PostgresSourceConfig } from './config.ts';
import type { KeyRange } from './logical/offsets.ts';
import { logicalPartitions } from './logical/replication-task.ts';
import { SIGNAL_PREFIX } from './logical/stream-decoder.ts';
import { pollingPartition } from './polling/offset.ts';
import { type TableRef, tableName } from './tables.ts';

/** Every partition a capture of these tables stores positions under (what `resnapshot` clears). */
export function capturePartitions(config: Pick<PostgresSourceConfig, 'mode' | 'slot'>, db: string, tables: readonly TableRef[]): SourcePartition[] {
  if (config.mode === 'polling') return tables.map((t) => pollingPartition(db, tableName(t)));
  return logicalPartitions(db, config.slot, tables);
}

/**
 * Asks the running log-based capture to snapshot these tables again (Debezium's `execute-snapshot`
 * signal), through the WAL: the producer reads it in commit order, whenever it runs. When `sql` is
 * a standby (which cannot write), the signal is written on `primary`, whose WAL carries it to the
 * standby's slot. With `ranges`, only the keys in those ranges `(after, upTo]` are read (key
 * texts as snapshots store them: a key column's text, or a JSON array of them for a composite
 * key; null: unbounded). Returns the signal's LSN.
 */
export async function requestSnapshot(sql: Sql, tables: readonly TableRef[], primary?: Sql, ranges: readonly KeyRange[] = []): Promise<string> {
  const [source] = await sql<{ standby: boolean }[]>`select pg_is_in_recovery() as standby`;
  if (source?.standby && !primary) {
    throw new ConfigError(
      'the capture reads a standby, which cannot write the signal: give the primary (buyonline-producer snapshot --primary postgres://…), whose WAL carries the signal to the standby',
    );
  }
  const target = source?.standby && primary ? primary : sql;
  const data = { 'data-collections': tables.map(tableName), type: 'incremental', ...(ranges.length > 0 ? { ranges } : {}) };
  const content = JSON.stringify({ type: 'execute-snapshot', data });
  const [row] = await target<{ lsn: string }[]>`select pg_logical_emit_message(true, ${SIGNAL_PREFIX}, ${content})::text as lsn`;
  return row?.lsn ?? '';
}

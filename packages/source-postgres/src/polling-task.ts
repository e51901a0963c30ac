import { ConfigError, sleep, type OffsetReader, type PluginContext, type SourceRecord, type SourceTask } from '@buyonline/connect-api';
import postgres, { type Sql } from 'postgres';
import type { PostgresSourceConfig } from './config.ts';
import { ChunkSizer } from './logical/chunk-sizer.ts';
import { describeColumns, schemaNamesFor } from './logical/table-schema.ts';
import { classifyPgError } from './pg-errors.ts';
import { SESSION } from './pg-text.ts';
import { isPrepared, readPollingCatalog } from './polling/catalog.ts';
import { PolledTable, type TextRow } from './polling/polled-table.ts';
import { checkTopics, resolveTables, tableName, topicFor } from './tables.ts';


/**
 * Polls every captured table in (cdc_txid, primary key) order, but only up to the transaction
 * horizon of the poll's snapshot (`pg_snapshot_xmin(pg_current_snapshot())`): a row written by a
 * transaction that is still running — which may have begun long ago — is never stepped over,
 * it is read once that transaction commits. Rows are therefore read exactly once per committed
 * version, in commit-safe order, without the "delay" guesswork of timestamp polling.
 *
 * Tables take turns: each poll reads, in one snapshot, the tables in round-robin order from
 * where the last poll left off and returns the first page it finds (records of one table, one
 * Kafka transaction); a busy table cannot starve the others.
 */
export class PollingTask implements SourceTask {
  private sql: Sql | undefined;
  private tables: PolledTable[] = [];
  private next = 0;
  /** Rows per page of each table: batchSize, fewer when its rows are wide (batchBytes). */
  private readonly pages: ChunkSizer;

  constructor(
    private readonly config: PostgresSourceConfig,
    private readonly ctx: PluginContext,
  ) {
    this.pages = new ChunkSizer(config.batchSize, config.batchBytes);
  }

  async start(offsets: OffsetReader): Promise<void> {
    this.sql = postgres(this.config.url.reveal(), {
      max: 2,
      onnotice: () => undefined,
      connection: { application_name: 'buyonline-producer', ...SESSION },
      connect_timeout: 10,
    });
    const sql = this.sql;
    let current = 'the captured tables';
    try {
      const [row] = await sql<{ db: string }[]>`select current_database() as db`;
      const db = row?.db ?? '';
      const refs = await resolveTables(sql, this.config);
      checkTopics(this.config, refs);
      const tables: PolledTable[] = [];
      for (const ref of refs) {
        current = tableName(ref);
        const catalog = await readPollingCatalog(sql, ref, this.config.timestampColumn);
        if (!catalog || !isPrepared(catalog)) {
          throw new ConfigError(`table ${current} is not prepared for polling (its cdc_txid and cdc_version columns and their trigger): run \`buyonline-producer migrate\``);
        }
        const columns = await describeColumns(sql, ref.schema, ref.table);
        const table = new PolledTable(
          {
            ref,
            topic: topicFor(this.config, ref),
            db,
            columns,
            names: schemaNamesFor(this.config.topicPrefix, ref.schema, ref.table),
            excludeColumns: this.config.excludeColumns,
            timestamp: catalog.timestampType === undefined ? undefined : this.config.timestampColumn,
            now: this.ctx.now,
          },
          offsets,
        );
        tables.push(table);
        this.ctx.status?.report('table', current, { phase: 'polling', position: JSON.stringify(table.position ?? null) });
        this.ctx.logger.info({ table: current, position: table.position ?? 'none: initial load first' }, 'polling table');
      }
      this.tables = tables;
      this.next = 0;
    } catch (err) {
      throw classifyPgError(err, current);
    }
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    const sql = this.sql;
    if (!sql) throw new Error('PollingTask.poll() before start()');
    const count = this.tables.length;
    let current = 'the captured tables';
    let read: { horizon: string; index: number; rows: TextRow[] };
    try {
      read = await sql.begin('isolation level repeatable read read only', async (tx) => {
        const [h] = await tx<{ horizon: string }[]>`select pg_snapshot_xmin(pg_current_snapshot())::text as horizon`;
        const horizon = h?.horizon ?? '0';
        for (let i = 0; i < count; i++) {
          const index = (this.next + i) % count;
          const table = this.tables[index] as PolledTable;
          current = table.name;
          const query = table.query(horizon, this.pages.rows(table.name));
          const rows = await tx.unsafe<TextRow[]>(query.text, query.params);
          this.pages.observe(table.name, rows);
          if (rows.length > 0) return { horizon, index, rows: [...rows] };
        }
        return { horizon, index: -1, rows: [] };
      });
    } catch (err) {
      throw classifyPgError(err, current);
    }
    // The tables looked at before the one with rows (all of them when none had any) had nothing below this horizon.
    const empty = read.index < 0 ? count : (read.index - this.next + count) % count;
    for (let i = 0; i < empty; i++) (this.tables[(this.next + i) % count] as PolledTable).idle(read.horizon);
    if (read.index < 0) {
      this.ctx.metrics.gauge('source_poll_rows', 0);
      await sleep(this.config.pollIntervalMs, signal);
      return [];
    }
    this.next = (read.index + 1) % count;
    const table = this.tables[read.index] as PolledTable;
    const records = table.toRecords(read.rows, read.horizon);
    this.ctx.metrics.gauge('source_poll_rows', records.length);
    this.ctx.status?.report('table', table.name, { phase: 'polling', position: JSON.stringify(table.position ?? null) });
    return records;
  }

  async commit(): Promise<void> {
    // Polling needs no upstream acknowledgement: the positions live in the offsets topic.
  }

  async stop(): Promise<void> {
    await this.sql?.end({ timeout: 5 });
    this.sql = undefined;
  }
}

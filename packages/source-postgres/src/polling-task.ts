import { sleep, type OffsetReader, type PluginContext, type SourcePartition, type SourceRecord, type SourceTask } from '@buyonline/connect-api';
import postgres, { type Sql } from 'postgres';
import type { PostgresSourceConfig } from './config.ts';
import { classifyPgError } from './pg-errors.ts';
import { type PolledRow, type PollingOffset, polledRowToRecord } from './product-change.ts';
import { qualified } from './sql-identifiers.ts';

const MIN_ID = '-9223372036854775808';

/**
 * Polls the table in (cdc_txid, id) order, but only up to the transaction horizon of its
 * snapshot (`pg_snapshot_xmin(pg_current_snapshot())`): a row written by a transaction that
 * is still running — which may have taken its updated_timestamp long ago — is never stepped
 * over, it is read once that transaction commits. Rows are therefore read exactly once per
 * committed version, in commit-safe order, without the "delay" guesswork of timestamp polling.
 */
export class PollingTask implements SourceTask {
  private sql: Sql | undefined;
  private position: PollingOffset | undefined;
  private partition: SourcePartition = {};
  private db = '';
  private readonly name: string;

  constructor(
    private readonly config: PostgresSourceConfig,
    private readonly ctx: PluginContext,
  ) {
    this.name = `${config.table.schema}.${config.table.table}`;
  }

  async start(offsets: OffsetReader): Promise<void> {
    this.sql = postgres(this.config.url.reveal(), {
      max: 2,
      onnotice: () => undefined,
      connection: { application_name: 'buyonline-producer' },
      connect_timeout: 10,
    });
    try {
      const [row] = await this.sql<{ db: string }[]>`select current_database() as db`;
      this.db = row?.db ?? '';
      await this.sql.unsafe(`select cdc_txid, cdc_version from ${qualified(this.config.table.schema, this.config.table.table)} limit 0`);
    } catch (err) {
      throw classifyPgError(err, this.name);
    }
    this.partition = { db: this.db, table: this.name };
    const stored = offsets.offset(this.partition) as PollingOffset | undefined;
    this.position = stored;
    this.ctx.logger.info({ table: this.name, position: stored ?? 'none: initial load first' }, 'polling source started');
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    const sql = this.sql;
    if (!sql) throw new Error('PollingTask.poll() before start()');
    let horizon: string;
    let rows: PolledRow[];
    try {
      ({ horizon, rows } = await sql.begin('isolation level repeatable read read only', async (tx) => {
        const [h] = await tx<{ horizon: string }[]>`select pg_snapshot_xmin(pg_current_snapshot())::text as horizon`;
        const horizonText = h?.horizon ?? '0';
        const from = this.position ?? { txid: '0', id: MIN_ID };
        const found = await tx.unsafe<PolledRow[]>(
          // Qualified with the alias everywhere: an unqualified ORDER BY id would sort by
          // the text output column, not the bigint.
          `select p.id::text as id, p.name, p.category, p.price::text as price,
                  (extract(epoch from p.updated_timestamp) * 1000000)::int8::text as ts_us,
                  p.cdc_txid::text as cdc_txid, p.cdc_version::text as cdc_version
             from ${qualified(this.config.table.schema, this.config.table.table)} p
            where p.cdc_txid < $1::xid8 and (p.cdc_txid, p.id) > ($2::xid8, $3::int8)
            order by p.cdc_txid, p.id
            limit $4`,
          [horizonText, from.txid, from.id, this.config.batchSize],
        );
        return { horizon: horizonText, rows: found as unknown as PolledRow[] };
      }));
    } catch (err) {
      throw classifyPgError(err, this.name);
    }

    const snapshotHorizon = this.position?.snapshot_horizon ?? horizon;
    if (rows.length === 0) {
      if (!this.position) this.position = { snapshot_horizon: snapshotHorizon, txid: '0', id: MIN_ID };
      this.ctx.metrics.gauge('source_poll_rows', 0);
      await sleep(this.config.pollIntervalMs, signal);
      return [];
    }
    const nowMicros = this.ctx.now() * 1000;
    const context = {
      topic: this.config.topic,
      db: this.db,
      schema: this.config.table.schema,
      table: this.config.table.table,
      partition: this.partition,
      nowMicros,
    };
    const records = rows.map((row) =>
      polledRowToRecord(row, { snapshot_horizon: snapshotHorizon, txid: row.cdc_txid, id: row.id }, context),
    );
    this.ctx.metrics.gauge('source_poll_rows', rows.length);
    // The in-memory position moves now; a crash before the Kafka commit restarts from the
    // offsets topic, which only ever holds committed positions.
    const last = rows[rows.length - 1] as PolledRow;
    this.position = { snapshot_horizon: snapshotHorizon, txid: last.cdc_txid, id: last.id };
    return records;
  }

  async commit(): Promise<void> {
    // Polling needs no upstream acknowledgement: the position lives in the offsets topic.
  }

  async stop(): Promise<void> {
    await this.sql?.end({ timeout: 5 });
    this.sql = undefined;
  }
}

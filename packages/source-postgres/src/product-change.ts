import type { SourceOffset, SourcePartition, SourceRecord } from '@buyonline/connect-api';
import { type ProductChange, type ProductKey, productKeySchema, productValueSchema } from '@buyonline/schemas';

/** A row as the polling query returns it (numbers that may exceed 2^53 come as text). */
export interface PolledRow {
  id: string;
  name: string;
  category: string | null;
  price: string;
  ts_us: string;
  cdc_txid: string;
  cdc_version: string;
}

export interface PollingOffset extends SourceOffset {
  /** Transaction horizon of the first poll: rows written before it are the initial load. */
  snapshot_horizon: string;
  txid: string;
  id: string;
}

export interface ChangeContext {
  topic: string;
  db: string;
  schema: string;
  table: string;
  partition: SourcePartition;
  nowMicros: number;
}

function safeNumber(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} ${text} exceeds 2^53 and cannot be carried exactly`);
  return n;
}

/** Maps one polled row to a change record in the Debezium-style envelope of product-value.avsc. */
export function polledRowToRecord(row: PolledRow, offset: PollingOffset, ctx: ChangeContext): SourceRecord {
  const txid = BigInt(row.cdc_txid);
  const snapshot = txid < BigInt(offset.snapshot_horizon);
  const op = snapshot ? 'r' : row.cdc_version === '1' ? 'c' : 'u';
  const tsUs = safeNumber(row.ts_us, 'updated_timestamp');
  const id = safeNumber(row.id, 'id');
  const key: ProductKey = { id };
  const value: ProductChange = {
    op,
    before: null,
    after: { id, name: row.name, category: row.category, price: row.price, updated_timestamp: tsUs },
    source: {
      connector: 'postgres-polling',
      db: ctx.db,
      schema: ctx.schema,
      table: ctx.table,
      position: JSON.stringify(offset),
      txid: safeNumber(row.cdc_txid, 'txid'),
      lsn: null,
      snapshot,
      ts_us: tsUs,
    },
    ts_us: ctx.nowMicros,
  };
  return {
    topic: ctx.topic,
    sourcePartition: ctx.partition,
    sourceOffset: offset,
    keySchema: productKeySchema,
    key,
    valueSchema: productValueSchema,
    value,
    timestampMs: Math.floor(tsUs / 1000),
  };
}

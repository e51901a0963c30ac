// The update workload: transactions of `txRows` price updates on consecutive ids, so that each
// commits exactly that many rows (one change record each), first flat out, then paced.
import type postgres from 'postgres';

export interface LoadResult {
  rows: number;
  transactions: number;
  startedAt: number;
  seconds: number;
  /** Rows committed per second by the writers. */
  rowsPerSec: number;
}

/** Transaction `k` of the run: which ids it updates. Blocks of `txRows` ids, round the table. */
export class UpdatePlan {
  private readonly blocks: number;

  constructor(
    private readonly table: string,
    tableRows: number,
    readonly txRows: number,
  ) {
    if (txRows > tableRows) throw new Error(`--tx-rows ${txRows} is more than the table's ${tableRows} rows`);
    this.blocks = Math.floor(tableRows / txRows);
  }

  /** Updates `rows` rows (ids from block k), as one transaction. */
  update(sql: postgres.Sql, k: number, rows = this.txRows): Promise<unknown> {
    const first = (k % this.blocks) * this.txRows + 1;
    const [schema, table] = this.table.split('.') as [string, string];
    return sql`update ${sql(schema)}.${sql(table)} set price = price + 0.01 where id between ${first} and ${first + rows - 1}`;
  }
}

function sizes(rows: number, txRows: number): number[] {
  return Array.from({ length: Math.ceil(rows / txRows) }, (_, i) => Math.min(txRows, rows - i * txRows));
}

function result(rows: number, transactions: number, startedAt: number): LoadResult {
  const seconds = (Date.now() - startedAt) / 1000;
  return { rows, transactions, startedAt, seconds, rowsPerSec: rows / seconds };
}

/** `rows` updates as fast as `writers` connections can commit them; transactions from `firstTx` on. */
export async function flatOut(sql: postgres.Sql, plan: UpdatePlan, rows: number, writers: number, firstTx = 0): Promise<LoadResult> {
  const txs = sizes(rows, plan.txRows);
  let next = 0;
  const startedAt = Date.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let i = next++; i < txs.length; i = next++) await plan.update(sql, firstTx + i, txs[i]);
    }),
  );
  return result(rows, txs.length, startedAt);
}

/**
 * `rows` updates at `rate` rows/s: one transaction every txRows/rate seconds, evenly spaced
 * (started on schedule even when an earlier one has not committed yet, up to the pool's size).
 */
export async function paced(sql: postgres.Sql, plan: UpdatePlan, rows: number, rate: number, firstTx = 0): Promise<LoadResult & { lateMs: number }> {
  const txs = sizes(rows, plan.txRows);
  const intervalMs = (plan.txRows / rate) * 1000;
  const startedAt = Date.now();
  const pending: Promise<unknown>[] = [];
  let lateMs = 0;
  for (let i = 0; i < txs.length; i++) {
    const due = startedAt + i * intervalMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else lateMs = Math.max(lateMs, -wait);
    const tx = plan.update(sql, firstTx + i, txs[i]);
    tx.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    pending.push(tx);
  }
  await Promise.all(pending);
  return { ...result(rows, txs.length, startedAt), lateMs };
}

import type { Sql } from 'postgres';
import { sleep } from './scenario.ts';

/** A transaction whose COMMIT the server acknowledged: its number and when. */
export interface Acknowledged {
  n: number;
  at: number;
}

export interface LedgerWriterResult {
  acknowledged: Acknowledged[];
  /** Transactions that failed (the server went away): not acknowledged, so in doubt. */
  failed: number;
}

/** The ledger of the writer's transactions (not captured: the publication holds only the products table). */
export function ledgerSql(schema: string): string {
  return `CREATE TABLE "${schema}".e2e_ledger (n int PRIMARY KEY, op text NOT NULL)`;
}

export async function ledgerNumbers(sql: Sql, schema: string): Promise<Set<number>> {
  const rows = await sql.unsafe<{ n: number }[]>(`select n from "${schema}".e2e_ledger`);
  return new Set(rows.map((r) => r.n));
}

/** The writer's transaction number a version carries (its name is `tx <n>`), or undefined. */
export function txOfName(name: unknown): number | undefined {
  const m = typeof name === 'string' ? /^tx (\d+)$/.exec(name) : null;
  return m ? Number(m[1]) : undefined;
}

export interface LedgerWriters {
  /** Acknowledged so far (grows while they write). */
  readonly acknowledged: readonly Acknowledged[];
  /** Stops them; resolves with what they did. */
  stop(): Promise<LedgerWriterResult>;
}

/**
 * Writers that commit small transactions on `sql` (a pool on whichever host is the writable
 * primary): each inserts, updates or deletes one products row (the name of the written row is
 * `tx <n>`) and writes `n` into the ledger in the same transaction, so the ledger on the surviving
 * primary says which transactions the database kept. A transaction that fails (the primary went
 * away, no writable host yet) is counted as failed and the writer goes on once a host takes writes.
 */
export function startLedgerWriters(sql: Sql, schema: string, writers: number): LedgerWriters {
  const table = `"${schema}".products`;
  const acknowledged: Acknowledged[] = [];
  const signal = new AbortController();
  let failed = 0;
  let next = 0;
  const writer = async () => {
    while (!signal.signal.aborted) {
      const n = ++next;
      const op = n % 10 < 4 ? 'insert' : n % 10 < 8 ? 'update' : 'delete';
      try {
        // One statement, so one transaction without BEGIN/ROLLBACK round trips (postgres.js 3.4.9
        // crashes its process when a ROLLBACK is written to a connection that just died, its
        // issue #1208), the ledger row written by the same statement.
        const pick = `(select id from ${table} order by random() limit 1)`;
        const change =
          op === 'insert'
            ? `insert into ${table} (name, category, price) values ($1, 'ledger', ${(n % 1000) / 4})`
            : op === 'update'
              ? `update ${table} set name = $1, price = price + 0.01 where id = ${pick}`
              : `delete from ${table} where id = ${pick} and $1::text is not null`;
        await sql.unsafe(`with change as (${change} returning 1) insert into "${schema}".e2e_ledger (n, op) values ($2, '${op}')`, [`tx ${n}`, n]);
        acknowledged.push({ n, at: Date.now() });
      } catch (err) {
        // A deadlock rolled the transaction back; anything else is the outage: wait for a writable host.
        if ((err as { code?: string }).code === '40P01') continue;
        failed++;
        await sleep(200);
      }
    }
  };
  const running = Promise.all(Array.from({ length: writers }, () => writer()));
  return {
    acknowledged,
    async stop() {
      signal.abort();
      await running;
      return { acknowledged, failed };
    },
  };
}

import { ConnectionError } from '@buyonline/connect-api';
import { SnapshotVisibility } from '@buyonline/source-postgres';
import type { ReservedSql, Sql } from 'postgres';
import { parseLsn } from './versions.ts';

/**
 * The point `verify` compares at: a REPEATABLE READ snapshot of PostgreSQL and the WAL insert
 * position read in it. Every transaction the snapshot sees committed before that position (its
 * commit record was written before the snapshot was taken); a transaction in progress at the
 * snapshot (in its xip list, or at or past its xmax) is after the point even when its commit LSN
 * is lower.
 */
export interface VerifyPoint {
  /** `pg_current_wal_insert_lsn()` read in the snapshot, as PostgreSQL prints it. */
  lsn: string;
  /** `pg_current_snapshot()` of the snapshot (`xmin:xmax:xip,…`). */
  snapshot: string;
}

/** The part of a stage line's `__source` the point judges. */
export interface LineSource {
  lsn?: unknown;
  txid?: unknown;
}

/** A txid as a line carries it (a number; text or a bigint when read back from Snowflake) → its 32-bit xid, or undefined when it has none. */
function xid32(txid: unknown): number | undefined {
  if (typeof txid === 'number') return Number.isInteger(txid) ? txid >>> 0 : undefined;
  if (typeof txid === 'bigint') return Number(BigInt.asUintN(32, txid));
  if (typeof txid === 'string' && /^\d+$/.test(txid)) return Number(BigInt.asUintN(32, BigInt(txid)));
  return undefined;
}

/**
 * Whether a stage line's change is at or before the point: its (commit) LSN is below the
 * point's and its transaction had committed when the snapshot was taken. A snapshot read (no
 * txid) is judged by its LSN alone; a line without an LSN (not from a log-based capture) is
 * taken as before, having nothing to place it by.
 */
export function pointFilter(point: VerifyPoint): (source: LineSource | null | undefined) => boolean {
  const limit = parseLsn(point.lsn);
  if (limit === undefined) throw new RangeError(`not an LSN: ${point.lsn}`);
  const visibility = new SnapshotVisibility(point.snapshot);
  return (source) => {
    const lsn = parseLsn(source?.lsn);
    if (lsn === undefined) return true;
    if (lsn >= limit) return false;
    const txid = xid32(source?.txid);
    return txid === undefined || visibility.sees(txid);
  };
}

/**
 * Opens the snapshot on a reserved connection (it stays open: PostgreSQL's side is read in it)
 * and reads the point in its first statement.
 */
export async function takePoint(tx: ReservedSql): Promise<VerifyPoint> {
  await tx.unsafe('begin isolation level repeatable read read only');
  const [row] = await tx<{ lsn: string; snapshot: string }[]>`select pg_current_wal_insert_lsn()::text as lsn, pg_current_snapshot()::text as snapshot`;
  if (!row) throw new ConnectionError('verify: PostgreSQL returned no snapshot');
  return row;
}

/** The slot's confirmed_flush_lsn (what the producer confirmed into Kafka), or null when the slot does not exist. */
export async function confirmedFlush(sql: Sql, slot: string): Promise<string | null> {
  const [row] = await sql<{ lsn: string | null }[]>`select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = ${slot}`;
  return row ? row.lsn : null;
}

/** Whether an LSN (as PostgreSQL prints it) is at or past the point's. */
export function reached(lsn: string | null, point: VerifyPoint): boolean {
  const at = lsn === null ? undefined : parseLsn(lsn);
  const limit = parseLsn(point.lsn);
  return at !== undefined && limit !== undefined && at >= limit;
}

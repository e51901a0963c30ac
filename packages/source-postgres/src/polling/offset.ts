import { ConfigError, type SourceOffset, type SourcePartition } from '@buyonline/connect-api';

/**
 * Where polling of one table stands, stored under `{ db, table }` with each Kafka transaction:
 * every row version up to (txid, key) in (cdc_txid, primary key) order is in Kafka.
 */
export interface PollingOffset extends SourceOffset {
  /** Transaction horizon of the table's first poll: rows written before it are the initial load. */
  snapshot_horizon: string;
  /** cdc_txid of the last row read ('0' before the first). */
  txid: string;
  /** JSON array of the last row's primary key values as text, in key order; null before the first row. */
  key: string | null;
}

/** The polling partition of a table: the single-table producer used the same, so its positions are found. */
export function pollingPartition(db: string, table: string): SourcePartition {
  return { db, table };
}

/** The single-table producer's sentinel id: "before every row", stored with txid '0'. */
const LEGACY_MIN_ID = '-9223372036854775808';

/** Nothing read yet, under the horizon of the first poll. */
export function initialOffset(snapshotHorizon: string): PollingOffset {
  return { snapshot_horizon: snapshotHorizon, txid: '0', key: null };
}

export function rowOffset(snapshotHorizon: string, txid: string, keyTexts: readonly string[]): PollingOffset {
  return { snapshot_horizon: snapshotHorizon, txid, key: JSON.stringify(keyTexts) };
}

/** The key texts of an offset, or null before the first row. */
export function offsetKey(offset: PollingOffset): string[] | null {
  return offset.key === null ? null : (JSON.parse(offset.key) as string[]);
}

const XID = /^\d+$/;

/**
 * Reads a stored position back, for a table whose primary key has `keyCount` columns. Also reads
 * the single-table producer's `{ snapshot_horizon, txid, id }` (a single-column key), so a
 * restart after the upgrade goes on where it stopped. Anything else is refused, never guessed.
 */
export function readPollingOffset(stored: SourceOffset | undefined, keyCount: number, table: string): PollingOffset | undefined {
  if (stored === undefined) return undefined;
  const unreadable = (why: string) =>
    new ConfigError(`the stored polling position of ${table} (${JSON.stringify(stored)}) ${why}; clear the table's stored position to read it afresh`);
  const { snapshot_horizon: horizon, txid } = stored;
  if (typeof horizon !== 'string' || !XID.test(horizon) || typeof txid !== 'string' || !XID.test(txid)) {
    throw unreadable('has no snapshot_horizon and txid');
  }
  if ('key' in stored) {
    if (stored.key === null) return { snapshot_horizon: horizon, txid, key: null };
    let key: unknown;
    try {
      key = typeof stored.key === 'string' ? JSON.parse(stored.key) : undefined;
    } catch {
      key = undefined;
    }
    if (!Array.isArray(key) || !key.every((k) => typeof k === 'string')) throw unreadable('has a key that is not a JSON array of texts');
    if (key.length !== keyCount) throw unreadable(`has ${key.length} key value(s) but the table's primary key has ${keyCount} column(s)`);
    return { snapshot_horizon: horizon, txid, key: stored.key as string };
  }
  if ('id' in stored && (typeof stored.id === 'string' || typeof stored.id === 'number')) {
    if (keyCount !== 1) throw unreadable(`is a single-key position but the table's primary key has ${keyCount} columns`);
    const id = String(stored.id);
    if (txid === '0' && id === LEGACY_MIN_ID) return { snapshot_horizon: horizon, txid, key: null };
    return rowOffset(horizon, txid, [id]);
  }
  throw unreadable('has neither key nor id');
}

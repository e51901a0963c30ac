import type { Sql } from 'postgres';
import type { Tuple } from '../change-records.ts';
import type { CapturedTable } from './captured-table.ts';

/**
 * What of a streamed change to emit while a resumed snapshot's ranges matter: `all`, `none`
 * (the rows read already hold it), or, for an update that moves a row to another key, one half:
 * `delete` (of the old key) or `insert` (of the new one).
 */
export type KeptChange = 'all' | 'none' | 'delete' | 'insert';

/**
 * A change is in the rows a resumed snapshot read when its key lies in a range read by a
 * snapshot that already saw its transaction. An update that changes the key is a delete of the
 * old key and an insert of the new one, and each half is judged by its own key: a row moved
 * from the range read before the restart into the range read after it is deleted at its old
 * key (no ghost is left), and not created twice at its new one.
 */
export async function keptChange(sql: Sql, table: CapturedTable, commitLsn: string, xid: number, newTuple: Tuple | null, oldTuple: Tuple | null): Promise<KeptChange> {
  if (!table.filters(commitLsn)) return 'all';
  const newKey = newTuple ? (table.keys?.keyText(newTuple) ?? null) : null;
  const oldKey = oldTuple ? (table.keys?.keyText(oldTuple) ?? null) : null;
  const keys = [...new Set([newKey, oldKey])].filter((k): k is string => k !== null);
  // A key whose order only PostgreSQL knows (a linguistic collation) is compared there, once.
  if (keys.length > 0) await table.keys?.resolve(sql, keys, table.segmentBounds());
  if (newTuple === null || oldKey === null || newKey === oldKey) {
    // insert, delete, or an update that keeps its key: one key decides
    return table.seenBySnapshot(newKey ?? oldKey, xid) ? 'none' : 'all';
  }
  const [oldSeen, newSeen] = [table.seenBySnapshot(oldKey, xid), table.seenBySnapshot(newKey, xid)];
  if (oldSeen && newSeen) return 'none';
  if (oldSeen) return 'insert';
  if (newSeen) return 'delete';
  return 'all';
}

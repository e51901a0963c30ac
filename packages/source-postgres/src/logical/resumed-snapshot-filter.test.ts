import type { Sql } from 'postgres';
import { describe, expect, it } from 'vitest';
import { CapturedTable } from './captured-table.ts';
import type { ColumnInfo } from './column-types.ts';
import { keptChange } from './resumed-snapshot-filter.ts';
import { SnapshotKeys } from './snapshot-keys.ts';
import { schemaNamesFor } from './table-schema.ts';

const columns: ColumnInfo[] = [
  { name: 'id', typeName: 'int4', typeType: 'b', typeMod: -1, notNull: true, isKey: true, keyPosition: 1 },
  { name: 'v', typeName: 'int4', typeType: 'b', typeMod: -1, notNull: false, isKey: false },
];

/**
 * A table whose snapshot read keys up to 12 from the exported snapshot, then, after a restart,
 * the keys above 12 from a snapshot that saw every transaction before xid 100.
 */
function resumedTable(): CapturedTable {
  const ref = { schema: 's', table: 't' };
  return new CapturedTable(
    ref,
    't',
    { ref, topic: 't', db: 'db', slot: 'slot', names: schemaNamesFor('p', 's', 't'), excludeColumns: [], columns, keys: new SnapshotKeys(), now: () => 0 },
    { snapshot: 'initial', last_key: '12', segments: JSON.stringify([{ above: '12', upTo: null, snapshot: '100:100:' }]), segments_until: '0/1000' },
  );
}

// int4 keys are compared in memory: PostgreSQL is never asked.
const sql = undefined as unknown as Sql;
const row = (id: number) => ({ id: String(id), v: '1' });
const seen = { lsn: '0/500', xid: 99 };
const kept = (lsn: string, xid: number, after: Record<string, string> | null, before: Record<string, string> | null) => keptChange(sql, resumedTable(), lsn, xid, after, before);

describe('a resumed snapshot filter', () => {
  it('judges each half of an update that moves a key by its own key', async () => {
    // from the range read before the restart into the one read after it: the old key is deleted, the new one was read
    expect(await kept(seen.lsn, seen.xid, row(90000000), row(10))).toBe('delete');
    // the other way: the old key was not read (gone already), the new one is created
    expect(await kept(seen.lsn, seen.xid, row(5), row(29))).toBe('insert');
    expect(await kept(seen.lsn, seen.xid, row(30), row(20))).toBe('none');
    expect(await kept(seen.lsn, seen.xid, row(2), row(1))).toBe('all');
  });

  it('judges inserts, deletes and updates that keep their key by that key', async () => {
    expect(await kept(seen.lsn, seen.xid, row(20), row(20))).toBe('none');
    expect(await kept(seen.lsn, seen.xid, row(20), null)).toBe('none');
    expect(await kept(seen.lsn, seen.xid, null, row(20))).toBe('none');
    expect(await kept(seen.lsn, seen.xid, row(5), null)).toBe('all');
    expect(await kept(seen.lsn, seen.xid, null, row(5))).toBe('all');
  });

  it('keeps every change of a transaction the later snapshot did not see, and every change past its ranges', async () => {
    expect(await kept(seen.lsn, 100, row(90000000), row(10))).toBe('all');
    expect(await kept('0/1000', seen.xid, row(90000000), row(10))).toBe('all');
  });
});

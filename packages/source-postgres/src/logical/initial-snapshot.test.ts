import { noopContext } from '@buyonline/connect-api/testing';
import type { ReservedSql, Sql } from 'postgres';
import { describe, expect, it } from 'vitest';
import { CapturedTable } from './captured-table.ts';
import { ChunkSizer } from './chunk-sizer.ts';
import type { ColumnInfo } from './column-types.ts';
import { InitialSnapshot } from './initial-snapshot.ts';
import { freshTableOffset, type TableOffset } from './offsets.ts';
import { SnapshotKeys } from './snapshot-keys.ts';
import { SnapshotProgress } from './snapshot-progress.ts';
import type { Chunk } from './snapshot-reader.ts';
import { schemaNamesFor } from './table-schema.ts';

const columns: ColumnInfo[] = [
  { name: 'id', typeName: 'int4', typeType: 'b', typeMod: -1, notNull: true, isKey: true, keyPosition: 1 },
  { name: 'v', typeName: 'int4', typeType: 'b', typeMod: -1, notNull: false, isKey: false },
];

/** One table whose initial snapshot was never begun, read by fake readers from rows held in memory (PostgreSQL is never asked). */
function snapshotOfRows(rows: { id: string; v: string }[], chunkRows: number) {
  const ref = { schema: 's', table: 't' };
  const table = new CapturedTable(
    ref,
    't',
    { ref, topic: 't', db: 'db', slot: 'slot', names: schemaNamesFor('p', 's', 't'), excludeColumns: [], columns, keys: new SnapshotKeys(), now: () => 0 },
    freshTableOffset('initial'),
  );
  const reads: (string | null)[] = [];
  let closed = 0;
  const readChunk = async (_reader: ReservedSql, _table: CapturedTable, lastKey: string | null): Promise<Chunk> => {
    reads.push(lastKey);
    const after = rows.filter((r) => lastKey === null || Number(r.id) > Number(lastKey)).slice(0, chunkRows);
    return { rows: after, lastKey: after.at(-1)?.id ?? null };
  };
  const ctx = noopContext(() => 0);
  // The resumed snapshot's mark, as `pg_logical_emit_message` would return it.
  const sql = (async () => [{ lsn: '0/30' }]) as unknown as Sql;
  const snapshot = new InitialSnapshot(
    { slot: 'slot', snapshotParallelism: 2, standby: false },
    {
      sql,
      tables: new Map([[table.name, table]]),
      chunkSizer: new ChunkSizer(chunkRows, 1_000_000),
      progress: new SnapshotProgress(ctx),
      replicationUrl: () => Promise.reject(new Error('no slot is made in this test')),
      openReaders: async () => ({ readers: [{} as ReservedSql], snapshot: '100:100:', rewrittenTables: async () => [], close: async () => void closed++ }),
      readChunk,
      ctx,
    },
  );
  return { snapshot, table, reads, closed: () => closed };
}

describe('InitialSnapshot', () => {
  it('reads a table chunk by chunk, the next chunk read ahead while the last goes out, and ends with its position and the readers closed', async () => {
    const { snapshot, table, reads, closed } = snapshotOfRows([{ id: '1', v: 'a' }, { id: '2', v: 'b' }, { id: '3', v: 'c' }], 2);
    expect(await snapshot.beginResumed(undefined, '0/10')).toBe('0/10');
    expect(JSON.parse(table.offset.segments)).toEqual([{ above: null, upTo: null, snapshot: '100:100:' }]);
    expect(table.offset.segments_until).toBe('0/30');

    const first = (await snapshot.poll()) ?? [];
    expect(first.map((r) => (r.sourceOffset as TableOffset).last_key)).toEqual(['1', '2']);
    // The chunk after it is read already, from where this one ended.
    expect(reads).toEqual([null, '2']);
    const second = (await snapshot.poll()) ?? [];
    expect(second.map((r) => (r.sourceOffset as TableOffset).last_key)).toEqual(['3']);
    const last = (await snapshot.poll()) ?? [];
    expect(last).toHaveLength(1);
    expect(last[0]?.positionOnly).toBe(true);
    expect((last[0]?.sourceOffset as TableOffset | undefined)?.snapshot).toBe('done');
    expect(reads).toEqual([null, '2', '3']);

    expect(await snapshot.poll()).toBeUndefined();
    expect(closed()).toBe(1);
  });

  it('drops a chunk read ahead when it stops: the rows are read again from the stored position', async () => {
    const { snapshot, table, reads, closed } = snapshotOfRows([{ id: '1', v: 'a' }, { id: '2', v: 'b' }], 1);
    await snapshot.beginResumed(undefined, '0/10');
    await snapshot.poll();
    expect(reads).toEqual([null, '1']);
    await snapshot.close();
    expect(closed()).toBe(1);
    expect(table.offset.last_key).toBe('1');
  });
});

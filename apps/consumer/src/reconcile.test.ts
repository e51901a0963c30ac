import { describe, expect, it } from 'vitest';
import { latestState, type ProductState, reconcile, renderReport, summarize } from './reconcile.ts';

const row = (id: number, over: Partial<ProductState> = {}): ProductState => ({
  id: String(id),
  name: `product ${id}`,
  category: 'kitchen',
  price: '10.00',
  updated_timestamp: '2026-11-25T13:12:41.111039Z',
  ...over,
});

interface At {
  lsn?: string | null;
  txid?: number;
  position?: Record<string, string>;
  partition?: number;
  offset: number;
  op?: string;
  table?: string;
}

/** A stage line as the sink writes it (log-based capture when `lsn` is set, polling when `position` is). */
const line = (r: ProductState, at: At) => ({
  id: Number(r.id),
  name: r.name,
  category: r.category,
  price: r.price,
  updated_timestamp: r.updated_timestamp,
  __op: at.op ?? 'u',
  __deleted: at.op === 'd',
  __source: {
    connector: at.lsn ? 'postgres-logical' : 'postgres-polling',
    schema: 'public',
    table: at.table ?? 'products',
    position: JSON.stringify(at.position ?? { lsn: at.lsn }),
    txid: at.txid ?? null,
    lsn: at.lsn ?? null,
  },
  __kafka: { partition: at.partition ?? 0, offset: at.offset, key: { id: Number(r.id) } },
});

/** A TRUNCATE as the sink writes it: no row, no key. */
const truncate = (at: At) => ({
  __op: 't',
  __deleted: true,
  __source: { connector: 'postgres-logical', schema: 'public', table: at.table ?? 'products', position: '{}', txid: 1, lsn: at.lsn ?? null },
  __kafka: { partition: at.partition ?? 0, offset: at.offset, key: null },
});

describe('latestState: the latest version per key is chosen by source position', () => {
  it('log-based: the higher commit LSN wins, whatever the partition numbers (the topic grew partitions)', () => {
    const state = latestState([
      line(row(1, { price: '1.00' }), { lsn: '0/2000', partition: 0, offset: 9 }),
      line(row(1, { price: '2.00' }), { lsn: '0/1000', partition: 2, offset: 5 }),
    ]);
    expect(state.get('1')?.price).toBe('1.00');
  });

  it('compares LSNs as numbers (X/Y hex halves), not as text', () => {
    const state = latestState([
      line(row(1, { name: 'older' }), { lsn: '0/9FFFFFF', partition: 1, offset: 1 }),
      line(row(1, { name: 'newer' }), { lsn: '0/10000000', partition: 0, offset: 0 }),
      line(row(2, { name: 'older' }), { lsn: 'F/FFFFFFFF', partition: 1, offset: 1 }),
      line(row(2, { name: 'newer' }), { lsn: '10/0', partition: 0, offset: 0 }),
    ]);
    expect(state.get('1')?.name).toBe('newer');
    expect(state.get('2')?.name).toBe('newer');
  });

  it('within one transaction (same LSN) the Kafka offset decides; a later commit may carry an older xid', () => {
    const state = latestState([
      line(row(1, { price: '2.00' }), { lsn: '0/100', txid: 20, offset: 5 }),
      line(row(1, { price: '1.00' }), { lsn: '0/100', txid: 20, offset: 11 }),
      line(row(2, { price: '3.00' }), { lsn: '0/300', txid: 10, offset: 2 }),
      line(row(2, { price: '4.00' }), { lsn: '0/200', txid: 30, offset: 1 }),
    ]);
    expect(state.get('1')?.price).toBe('1.00');
    expect(state.get('2')?.price).toBe('3.00');
  });

  it('polling: the poll position (txid, id) decides, across partitions', () => {
    const at = (txid: string, id: string, partition: number, offset: number): At => ({
      position: { snapshot_horizon: '5', txid, id },
      partition,
      offset,
    });
    const state = latestState([
      line(row(7, { price: '2.00' }), at('900', '7', 0, 40)),
      line(row(7, { price: '1.00' }), at('80', '7', 2, 3)),
    ]);
    expect(state.get('7')?.price).toBe('2.00');
  });

  it('a delete as the latest version removes the key; an older delete does not', () => {
    const state = latestState([
      line(row(1), { lsn: '0/10', offset: 1 }),
      line(row(1), { lsn: '0/20', offset: 2, op: 'd' }),
      line(row(2), { lsn: '0/10', offset: 3, op: 'd' }),
      line(row(2), { lsn: '0/20', offset: 4, op: 'c' }),
    ]);
    expect([...state.keys()]).toEqual(['2']);
  });

  it('a key change (delete of the old key + create of the new one in one transaction) moves the row', () => {
    const state = latestState([
      line(row(1), { lsn: '0/10', offset: 0, op: 'c' }),
      line(row(1), { lsn: '0/20', partition: 1, offset: 0, op: 'd' }),
      line(row(101, { name: 'product 1' }), { lsn: '0/20', partition: 2, offset: 0, op: 'c' }),
    ]);
    expect([...state.keys()]).toEqual(['101']);
  });

  it('a TRUNCATE removes every earlier row of its table, in any partition, and no later one', () => {
    const state = latestState([
      line(row(1), { lsn: '0/10', partition: 0, offset: 0, op: 'c' }),
      line(row(2), { lsn: '0/10', partition: 1, offset: 0, op: 'c' }),
      line(row(3), { lsn: '0/20', partition: 2, offset: 0, op: 'c' }),
      truncate({ lsn: '0/30', partition: 1, offset: 1 }),
      line(row(4), { lsn: '0/40', partition: 0, offset: 1, op: 'c' }),
      line(row(3, { name: 'again' }), { lsn: '0/40', partition: 2, offset: 1, op: 'c' }),
      line(row(5), { lsn: '0/10', partition: 0, offset: 2, op: 'c', table: 'other' }), // another table: untouched
    ]);
    expect([...state.keys()]).toEqual(['3', '4', '5']);
    expect(state.get('3')?.name).toBe('again');
  });

  it('within the TRUNCATE\'s own transaction, a row after it survives and a row before it (same partition) does not', () => {
    const state = latestState([
      line(row(1), { lsn: '0/50', partition: 0, offset: 0, op: 'c' }), // inserted, then truncated
      truncate({ lsn: '0/50', partition: 0, offset: 1 }),
      line(row(2), { lsn: '0/50', partition: 0, offset: 2, op: 'c' }), // inserted after the truncate
      line(row(3), { lsn: '0/50', partition: 1, offset: 0, op: 'c' }), // other partition: taken to follow it
    ]);
    expect([...state.keys()]).toEqual(['2', '3']);
  });

  it('an unchanged TOASTed value left out of a line keeps the value of the version before', () => {
    const older = line(row(1, { name: 'long text' }), { lsn: '0/10', offset: 0 });
    const newer = { ...line(row(1, { price: '5.00' }), { lsn: '0/20', offset: 1 }), name: undefined, __unchanged_toast: ['name'] };
    for (const lines of [[older, newer], [newer, older]]) {
      const state = latestState(lines);
      expect(state.get('1')).toEqual({ ...row(1, { name: 'long text', price: '5.00' }) });
    }
  });
});

describe('reconcile', () => {
  it('equal sides: same count and checksum, nothing listed', async () => {
    const rows = [row(1), row(2, { category: null })];
    const report = await reconcile(rows, latestState(rows.map((r, i) => line(r, { lsn: '0/1', offset: i }))).values());
    expect(report.equal).toBe(true);
    expect(report.source).toEqual(report.stage);
    expect(report.source.rows).toBe(2);
  });

  it('names missing, extra and differing keys, and the fields that differ', async () => {
    const stage = latestState([
      line(row(1), { lsn: '0/1', offset: 0 }),
      line(row(3, { price: '9.99', category: null }), { lsn: '0/1', offset: 1 }),
      line(row(4), { lsn: '0/1', offset: 2 }),
    ]);
    const report = await reconcile([row(1), row(2), row(3)], stage.values());
    expect(report.equal).toBe(false);
    expect(report.missing).toEqual(['2']);
    expect(report.extra).toEqual(['4']);
    expect(report.counts).toEqual({ missing: 1, extra: 1, differing: 1 });
    expect(report.differing.map((d) => [d.id, d.fields])).toEqual([['3', ['category', 'price']]]);
    const text = renderReport(report, { source: 'pg', stage: 'dir' });
    expect(text).toContain('MISMATCH');
    expect(text).toContain('missing ids: 2');
    expect(text).toContain('extra ids: 4');
    expect(text).toContain('id 3 differs');
  });

  it('lists at most `limit` keys of each kind, in id order, and counts them all', async () => {
    const source = Array.from({ length: 50 }, (_, i) => row(i + 1));
    const report = await reconcile(source, [], 10);
    expect(report.counts.missing).toBe(50);
    expect(report.missing).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)));
  });

  it('a source that is not in id order is an error, not a wrong answer', async () => {
    await expect(reconcile([row(2), row(1)], [])).rejects.toThrow(/not in id order/);
  });

  it('the checksum changes with any compared field, not with the order of rows', () => {
    const a = summarize([row(1), row(2)]);
    expect(summarize([row(2), row(1)])).toEqual(a);
    expect(summarize([row(1), row(2, { updated_timestamp: '2026-11-25T13:12:41.111040Z' })]).checksum).not.toBe(a.checksum);
    expect(summarize([row(1), row(2, { category: '' })]).checksum).not.toBe(summarize([row(1), row(2, { category: null })]).checksum);
  });
});

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
const line = (r: ProductState, txid: number | string, offset: number, deleted = false) => ({
  id: Number(r.id),
  name: r.name,
  category: r.category,
  price: r.price,
  updated_timestamp: r.updated_timestamp,
  __deleted: deleted,
  __source: { txid },
  __kafka: { partition: 0, offset, key: { id: Number(r.id) } },
});

describe('latestState', () => {
  it('keeps the line with the highest Kafka offset, whatever the order of the lines or their txids', () => {
    // A later commit can carry an older transaction id: only the offset tells commit order.
    const state = latestState([line(row(1, { price: '2.00' }), 20, 5), line(row(1, { price: '1.00' }), 10, 9)]);
    expect(state.get('1')?.price).toBe('1.00');
  });
  it('compares offsets numerically, not as text', () => {
    const state = latestState([line(row(1, { name: 'b' }), 7, 11), line(row(1, { name: 'a' }), 7, 9)]);
    expect(state.get('1')?.name).toBe('b');
  });
  it('a delete as the latest version removes the key; an older delete does not', () => {
    const state = latestState([line(row(1), 5, 1), line(row(1), 6, 2, true), line(row(2), 5, 3, true), line(row(2), 6, 4)]);
    expect([...state.keys()]).toEqual(['2']);
  });
});

describe('reconcile', () => {
  it('equal sides: same count and checksum, nothing listed', () => {
    const rows = [row(1), row(2, { category: null })];
    const report = reconcile(rows, latestState(rows.map((r, i) => line(r, 1, i))));
    expect(report.equal).toBe(true);
    expect(report.source).toEqual(report.stage);
    expect(report.source.rows).toBe(2);
  });
  it('names missing, extra and differing keys, and the fields that differ', () => {
    const stage = latestState([line(row(1), 1, 0), line(row(3, { price: '9.99', category: null }), 1, 1), line(row(4), 1, 2)]);
    const report = reconcile([row(1), row(2), row(3)], stage);
    expect(report.equal).toBe(false);
    expect(report.missing).toEqual(['2']);
    expect(report.extra).toEqual(['4']);
    expect(report.differing.map((d) => [d.id, d.fields])).toEqual([['3', ['category', 'price']]]);
    const text = renderReport(report, { source: 'pg', stage: 'dir' });
    expect(text).toContain('MISMATCH');
    expect(text).toContain('missing ids: 2');
    expect(text).toContain('extra ids: 4');
    expect(text).toContain('id 3 differs');
  });
  it('the checksum changes with any compared field, not with the order of rows', () => {
    const a = summarize([row(1), row(2)]);
    expect(summarize([row(2), row(1)])).toEqual(a);
    expect(summarize([row(1), row(2, { updated_timestamp: '2026-11-25T13:12:41.111040Z' })]).checksum).not.toBe(a.checksum);
    expect(summarize([row(1), row(2, { category: '' })]).checksum).not.toBe(summarize([row(1), row(2, { category: null })]).checksum);
  });
});

import { describe, expect, it } from 'vitest';
import { type CatalogColumn, keyComparator, orderBy, tableShape } from './shape.ts';

const ref = { schema: 'shop', table: 'order_lines', topic: 'buyonline.shop.order_lines' };
const c = (name: string, typeName: string, keyPosition = 0, element?: string): CatalogColumn => ({
  name,
  typeName,
  typeType: 'b',
  keyPosition,
  ...(element ? { element: { typeName: element, typeType: 'b' } } : {}),
});
const quote = (s: string) => `"${s}"`;

describe('tableShape', () => {
  it('keys by the primary key columns in key order, compares every column but the excluded ones', () => {
    const result = tableShape(ref, [c('note', 'text'), c('line_no', 'int4', 2), c('order_id', 'int8', 1), c('cdc_txid', 'xid8'), c('tags', '_text', 0, 'text')], ['cdc_txid']);
    if (!result.ok) throw new Error(result.reason);
    const { shape } = result;
    expect(shape.name).toBe('shop.order_lines');
    expect(shape.topics).toEqual(['buyonline.shop.order_lines']);
    expect(shape.columns.map((col) => [col.name, col.kind, col.array])).toEqual([
      ['note', 'text', false],
      ['line_no', 'int', false],
      ['order_id', 'int', false],
      ['tags', 'text', true],
    ]);
    expect(shape.key.map((i) => shape.columns[i]?.name)).toEqual(['order_id', 'line_no']);
    expect(orderBy(shape, quote, 't')).toBe('t."order_id", t."line_no"');
  });

  it('orders a text key by its text output in the C collation, and compares the same way', () => {
    const result = tableShape(ref, [c('tenant', 'varchar', 1), c('id', 'int8', 2)], []);
    if (!result.ok) throw new Error(result.reason);
    expect(orderBy(result.shape, quote, 't')).toBe(`format('%s', t."tenant") collate "C", t."id"`);
    const compare = keyComparator(result.shape);
    const keys = [
      ['b', '1'],
      ['B', '2'],
      ['a', '10'],
      ['a', '9'],
    ];
    expect(keys.sort(compare)).toEqual([
      ['B', '2'],
      ['a', '9'],
      ['a', '10'],
      ['b', '1'],
    ]);
  });

  it('keeps a key column even when excludeColumns names it', () => {
    const result = tableShape(ref, [c('cdc_version', 'int8', 1), c('v', 'text')], ['cdc_version']);
    expect(result.ok && result.shape.columns.map((col) => col.name)).toEqual(['cdc_version', 'v']);
  });

  it('a table without a primary key cannot be reconciled, and says why', () => {
    const result = tableShape(ref, [c('a', 'text'), c('b', 'int4')], []);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/^shop\.order_lines has no primary key/) });
  });

  it('an array key column is refused', () => {
    const result = tableShape(ref, [c('tags', '_text', 1, 'text')], []);
    expect(result.ok).toBe(false);
  });
});

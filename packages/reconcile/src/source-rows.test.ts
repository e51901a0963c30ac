import { describe, expect, it } from 'vitest';
import { parsePgTable } from './source-rows.ts';

describe('parsePgTable (PG_TABLE)', () => {
  it('reads <schema>.<table>, and a bare table as public', () => {
    expect(parsePgTable('shop.order_lines')).toEqual({ schema: 'shop', table: 'order_lines' });
    expect(parsePgTable('products')).toEqual({ schema: 'public', table: 'products' });
  });
  it('reads quoted parts as SQL does', () => {
    expect(parsePgTable('"Quoted_"" . Schema"."Quoted_"" . Table"')).toEqual({ schema: 'Quoted_" . Schema', table: 'Quoted_" . Table' });
    expect(() => parsePgTable('"a.b')).toThrow(/PG_TABLE/);
  });
  it('names the variable and what was wrong', () => {
    expect(() => parsePgTable('a.b.c')).toThrow(/PG_TABLE: expected <schema>.<table>, got a.b.c/);
    expect(() => parsePgTable('a.')).toThrow(/PG_TABLE/);
  });
});

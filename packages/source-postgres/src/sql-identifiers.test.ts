import { describe, expect, it } from 'vitest';
import { qualified, quoteIdent } from './index.ts';
import { quoteLiteral } from './sql-identifiers.ts';

describe('PostgreSQL identifier quoting (the one helper of the dialect)', () => {
  it('always double-quotes, so case is kept', () => {
    expect(quoteIdent('products')).toBe('"products"');
    expect(quoteIdent('Products')).toBe('"Products"');
    expect(quoteIdent('ORDER')).toBe('"ORDER"');
  });

  it('doubles embedded quotes', () => {
    expect(quoteIdent('my "odd" name')).toBe('"my ""odd"" name"');
    expect(quoteIdent('"')).toBe('""""');
  });

  it('keeps a dot inside one name: not a schema separator', () => {
    expect(quoteIdent('shop.orders')).toBe('"shop.orders"');
    expect(qualified('shop.eu', 'order.lines')).toBe('"shop.eu"."order.lines"');
  });

  it('keeps unicode and spaces as they are', () => {
    expect(quoteIdent('prodüct ✓')).toBe('"prodüct ✓"');
    expect(qualified('Schéma "x"', 'Tåble')).toBe('"Schéma ""x"""."Tåble"');
  });

  it('quotes a literal as an escape string: quotes doubled, backslashes doubled, the rest kept', () => {
    expect(quoteLiteral("it's")).toBe("E'it''s'");
    expect(quoteLiteral('a\\b\\')).toBe("E'a\\\\b\\\\'");
    expect(quoteLiteral('tab\there é')).toBe("E'tab\there é'");
  });
});

import { parseConfig } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { qualifiedTable } from './index.ts';
import { postgresSourceConfigSchema } from './config.ts';

describe('tables by name', () => {
  it('takes quoted parts as SQL does: any character, "" for a quote', () => {
    expect(qualifiedTable.parse('public.products')).toEqual({ schema: 'public', table: 'products' });
    expect(qualifiedTable.parse('"Quoted_"" . Schema"."Quoted_"" . Table"')).toEqual({ schema: 'Quoted_" . Schema', table: 'Quoted_" . Table' });
    expect(qualifiedTable.parse('shop."col,2 table"')).toEqual({ schema: 'shop', table: 'col,2 table' });
    for (const bad of ['products', 'a.b.c', '"a.b', 'a b.c', '"".x']) expect(qualifiedTable.safeParse(bad).success, bad).toBe(false);
  });

  it('splits a comma-separated list outside quotes only', () => {
    const config = parseConfig(postgresSourceConfigSchema, { url: 'postgres://x@h/db', tables: 'shop.a, "odd,schema"."t,1" ,public.b' });
    expect(config.tables).toEqual([
      { schema: 'shop', table: 'a' },
      { schema: 'odd,schema', table: 't,1' },
      { schema: 'public', table: 'b' },
    ]);
  });
});

describe('a generic plugin: no demo default', () => {
  it('names no demo table, column or object among its defaults; the demo sets them', () => {
    const config = parseConfig(postgresSourceConfigSchema, { url: 'postgres://u@h/db', tableRegex: '^shop\\..*' });
    const { slot, publication, ...rest } = config;
    expect(JSON.stringify(rest)).not.toMatch(/product|updated_timestamp/i);
    expect(config.timestampColumn).toBeUndefined();
    // one slot and publication name, the one the docs and deployments have always used without a pipeline file
    expect({ slot, publication }).toEqual({ slot: 'buyonline_products', publication: 'buyonline_products' });
    expect(config.excludeColumns).toEqual(['cdc_txid', 'cdc_version']);
  });
});

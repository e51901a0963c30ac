import { ConfigError } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { checkMigratable, pollingMigrationSql } from './migration.ts';

const ref = { schema: 'shop', table: 'lines' };
const catalog = {
  name: 'shop.lines',
  kind: 'r',
  isPartition: false,
  keyColumns: ['order_id', 'sku'],
  txid: undefined,
  version: undefined,
  hasStampTrigger: false,
  timestampType: undefined,
};

describe('pollingMigrationSql', () => {
  it('adds both columns filled through their default, then the trigger and the (cdc_txid, key) index', () => {
    const text = pollingMigrationSql(ref, catalog);
    expect(text).toContain(
      'ALTER TABLE "shop"."lines" ADD COLUMN "cdc_txid" xid8 NOT NULL DEFAULT pg_current_xact_id(), ADD COLUMN "cdc_version" bigint NOT NULL DEFAULT 1;',
    );
    expect(text).toContain('ALTER TABLE "shop"."lines" ALTER COLUMN "cdc_txid" DROP DEFAULT, ALTER COLUMN "cdc_version" DROP DEFAULT;');
    expect(text).toContain('CREATE OR REPLACE FUNCTION "shop"."lines_cdc_stamp"() RETURNS trigger');
    expect(text).toContain('CREATE TRIGGER "lines_cdc_stamp" BEFORE INSERT OR UPDATE ON "shop"."lines" FOR EACH ROW EXECUTE FUNCTION "shop"."lines_cdc_stamp"();');
    expect(text).toContain('CREATE INDEX IF NOT EXISTS "lines_cdc_txid_order_id_sku_idx" ON "shop"."lines" ("cdc_txid", "order_id", "sku");');
    expect(text).not.toMatch(/UPDATE "shop"|REPLICA IDENTITY|updated_timestamp/);
  });

  it('on a prepared table only renews the trigger (no table rewrite, no update)', () => {
    const text = pollingMigrationSql(ref, { ...catalog, txid: { type: 'xid8', notNull: true }, version: { type: 'int8', notNull: true } });
    expect(text).not.toContain('ALTER TABLE');
    expect(text).not.toMatch(/^UPDATE/m);
    expect(text).toContain('CREATE TRIGGER');
  });

  it('fills and requires columns an interrupted setup left nullable', () => {
    const text = pollingMigrationSql(ref, { ...catalog, txid: { type: 'xid8', notNull: false }, version: { type: 'int8', notNull: true } });
    expect(text).toContain('UPDATE "shop"."lines" SET "cdc_txid" = coalesce("cdc_txid", pg_current_xact_id())');
    expect(text).toContain('ALTER TABLE "shop"."lines" ALTER COLUMN "cdc_txid" SET NOT NULL;');
    expect(text).not.toContain('ADD COLUMN');
  });
});

describe('checkMigratable', () => {
  it('refuses what polling cannot capture, naming the table', () => {
    const refused: [Parameters<typeof checkMigratable>[1], RegExp][] = [
      [undefined, /table shop\.lines does not exist/],
      [{ ...catalog, keyColumns: [] }, /table shop\.lines has no primary key/],
      [{ ...catalog, kind: 'v' }, /shop\.lines is not a table/],
      [{ ...catalog, isPartition: true }, /shop\.lines is a partition/],
      [{ ...catalog, version: { type: 'int4', notNull: true } }, /cdc_version of shop\.lines has type int4/],
    ];
    for (const [c, message] of refused) {
      expect(() => checkMigratable('shop.lines', c)).toThrow(ConfigError);
      expect(() => checkMigratable('shop.lines', c)).toThrow(message);
    }
    expect(() => checkMigratable('shop.lines', catalog)).not.toThrow();
  });
});

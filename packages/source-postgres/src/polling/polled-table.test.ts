import type { SourceRecord } from '@buyonline/connect-api';
import { staticOffsets } from '@buyonline/connect-api/testing';
import type { ChangeEvent } from '@buyonline/schemas';
import { describe, expect, it } from 'vitest';
import type { ColumnInfo } from '../logical/column-types.ts';
import { PolledTable } from './polled-table.ts';

const column = (name: string, typeName: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({ name, typeName, typeType: 'b', typeMod: -1, notNull: false, isKey: false, ...extra });
const NOW = Date.UTC(2030, 0, 1);

const lines = [
  column('note', 'text'),
  column('sku', 'bpchar', { isKey: true, keyPosition: 2, notNull: true }),
  column('order_id', 'int8', { isKey: true, keyPosition: 1, notNull: true }),
  column('cdc_txid', 'xid8', { notNull: true }),
  column('cdc_version', 'int8', { notNull: true }),
];

function table(columns = lines, stored: [Record<string, string>, Record<string, string | null>][] = [], timestamp: string | undefined = undefined) {
  return new PolledTable(
    {
      ref: { schema: 'shop', table: 'lines' },
      topic: 'cdc.shop.lines',
      db: 'app',
      columns,
      names: { namespace: 'cdc.shop.lines', envelope: 'Envelope', row: 'Value', key: 'Key' },
      excludeColumns: ['cdc_txid', 'cdc_version'],
      timestamp,
      now: () => NOW,
    },
    staticOffsets(stored),
  );
}

/** A polled row: the table's columns by position (note, sku, order_id; cdc_* are excluded), then the poll's fields. */
const row = (order: string, sku: string, txid: string, version: string, note: string | null = null) => ({
  'buyonline.column.0': note,
  'buyonline.column.1': sku,
  'buyonline.column.2': order,
  'buyonline.cdc_txid': txid,
  'buyonline.cdc_version': version,
  'buyonline.key.0': order,
  'buyonline.key.1': sku,
});
const event = (r: SourceRecord) => r.value as ChangeEvent;

describe('PolledTable', () => {
  it('reads rows below the first horizon as the initial load, then c for a first version and u for a later one', () => {
    const t = table();
    const first = t.toRecords([row('1', 'a     ', '700', '1', 'x'), row('2', 'b     ', '720', '3')], '800');
    expect(first.map((r) => event(r).op)).toEqual(['r', 'r']);
    expect(first.map((r) => r.key)).toEqual([
      { order_id: 1, sku: 'a     ' },
      { order_id: 2, sku: 'b     ' },
    ]);
    expect(event(first[0] as SourceRecord).after).toEqual({ note: 'x', sku: 'a     ', order_id: 1 });
    expect(t.position).toEqual({ snapshot_horizon: '800', txid: '720', key: '["2","b     "]' });

    // A later poll (higher horizon) keeps the first poll's horizon as the line between load and changes.
    const later = t.toRecords([row('3', 'c     ', '799', '1'), row('4', 'd     ', '810', '1'), row('1', 'a     ', '820', '2')], '900');
    expect(later.map((r) => event(r).op)).toEqual(['r', 'c', 'u']);
    expect(later.map((r) => r.sourceOffset.snapshot_horizon)).toEqual(['800', '800', '800']);
    const source = event(later[2] as SourceRecord).source;
    expect(source).toMatchObject({ connector: 'postgres-polling', db: 'app', schema: 'shop', table: 'lines', txid: 820, lsn: null, snapshot: false, ts_us: NOW * 1000 });
    expect(JSON.parse(source.position)).toEqual(later[2]?.sourceOffset);
    expect(later.every((r) => r.topic === 'cdc.shop.lines' && r.sourcePartition.table === 'shop.lines' && r.sourcePartition.db === 'app')).toBe(true);
  });

  it('dates records by updated_timestamp when the table has one', () => {
    const t = table([...lines, column('updated_timestamp', 'timestamptz')], [], 'updated_timestamp');
    const [record] = t.toRecords([{ ...row('1', 'a', '700', '1'), 'buyonline.column.3': '2026-01-02 03:04:05.123456+00', 'buyonline.ts_us': '1767323045123456' }], '600');
    expect(event(record as SourceRecord).source.ts_us).toBe(1767323045123456);
    expect(record?.timestampMs).toBe(1767323045123);
    expect(event(record as SourceRecord).op).toBe('c');
  });

  it('an empty first poll fixes the horizon: rows written after it are changes, not the load', () => {
    const t = table();
    t.idle('800');
    t.idle('900'); // only the first one counts
    expect(t.position).toEqual({ snapshot_horizon: '800', txid: '0', key: null });
    expect(t.toRecords([row('1', 'a', '850', '1')], '900').map((r) => event(r).op)).toEqual(['c']);
  });

  it('resumes from its stored position, including the single-table producer’s', () => {
    const partition = { db: 'app', table: 'shop.lines' };
    expect(table(lines, [[partition, { snapshot_horizon: '800', txid: '850', key: '["1","a"]' }]]).position).toEqual({ snapshot_horizon: '800', txid: '850', key: '["1","a"]' });
    const single = [column('id', 'int8', { isKey: true, keyPosition: 1 }), column('name', 'text')];
    expect(table(single, [[partition, { snapshot_horizon: '800', txid: '850', id: '9' }]]).position).toEqual({ snapshot_horizon: '800', txid: '850', key: '["9"]' });
  });

  it('sends a row it cannot convert to the dead-letter topic with the reason, and moves past it', () => {
    const t = table([...lines, column('qty', 'int4')]);
    const [bad] = t.toRecords([{ ...row('1', 'a', '700', '1'), 'buyonline.column.3': '1.5' }], '800');
    expect(bad?.failure?.message).toMatch(/shop\.lines: column qty/);
    expect(bad?.value).not.toHaveProperty('buyonline.cdc_txid');
    expect(t.position?.txid).toBe('700');
  });

  it('refuses a table without a primary key, naming it', () => {
    expect(() => table([column('v', 'text')])).toThrow(/table shop\.lines has no primary key/);
  });
});

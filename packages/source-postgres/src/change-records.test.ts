import { DataError, type SourceRecord } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { type ChangeMeta, ChangeRecords } from './change-records.ts';
import type { ColumnInfo } from './logical/column-types.ts';
import { shapeTable } from './logical/table-schema.ts';

const column = (name: string, typeName: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({ name, typeName, typeType: 'b', typeMod: -1, notNull: false, isKey: false, ...extra });
const NAMES = { namespace: 'cdc.shop.products', envelope: 'Envelope', row: 'Value', key: 'Key' };
const NOW = Date.UTC(2030, 0, 1);
const AT = Date.UTC(2026, 10, 25, 13, 12, 41) * 1000 + 111_039;
const PRICE = ((12 << 16) | 2) + 4;

const products = shapeTable(
  [column('id', 'int8', { isKey: true, keyPosition: 1, notNull: true }), column('name', 'text'), column('price', 'numeric', { typeMod: PRICE }), column('at', 'timestamptz')],
  NAMES,
  [],
  'shop.products',
);
const keyless = shapeTable([column('note', 'text'), column('n', 'int4')], NAMES, [], 'shop.notes');

const records = () =>
  new ChangeRecords({ topic: 'cdc.shop.products', partition: { db: 'app', table: 'shop.products', slot: 's' }, db: 'app', schema: 'shop', table: 'products', connector: 'postgres-logical' }, () => NOW);

const snapshotMeta = (lastKey: string): ChangeMeta => ({ txid: null, lsn: '0/16B3748', snapshot: true, tsUs: 1_700_000_000_123_456, position: JSON.stringify({ lsn: '0/16B3748', phase: 'snapshot', last_key: lastKey }) });
const streamMeta = (txid: number, lsn: string): ChangeMeta => ({ txid, lsn, snapshot: false, tsUs: 1_800_000_000_000_001, position: JSON.stringify({ lsn, phase: 'stream' }) });
const offset = (lastKey: string) => ({ snapshot: 'initial', last_key: lastKey, segments: '[]', segments_until: null });
const STREAM = { phase: 'stream', lsn: '0/2000000' };

const row = (id: string, price = '12.30', name: string | null = `p${id}`) => ({ id, name, price, at: '2026-11-25 13:12:41.111039+00' });
const value = (r: SourceRecord) => r.value as { op: string; before: unknown; after: unknown; source: Record<string, unknown>; ts_us: number; unchanged_toast: string[] };

describe('ChangeRecords', () => {
  it('reads snapshot rows into records with their own offsets and the chunk’s source block', () => {
    const r = records();
    const meta = snapshotMeta('2');
    const [a, b] = [r.read(products, row('1'), offset('1'), meta), r.read(products, row('2', '-0.01', null), offset('2'), meta)] as [SourceRecord, SourceRecord];
    expect(a).toEqual({
      topic: 'cdc.shop.products',
      sourcePartition: { db: 'app', table: 'shop.products', slot: 's' },
      sourceOffset: offset('1'),
      keySchema: products.keySchema,
      key: { id: 1 },
      valueSchema: products.valueSchema,
      value: {
        op: 'r',
        before: null,
        after: { id: 1, name: 'p1', price: '12.30', at: AT },
        source: { connector: 'postgres-logical', db: 'app', schema: 'shop', table: 'products', position: meta.position, txid: null, lsn: '0/16B3748', snapshot: true, ts_us: 1_700_000_000_123_456 },
        ts_us: NOW * 1000,
        unchanged_toast: [],
      },
      timestampMs: 1_700_000_000_123,
    });
    expect(b.sourceOffset).toEqual(offset('2'));
    expect(value(b).after).toEqual({ id: 2, name: null, price: '-0.01', at: AT });
    expect(value(b).source).toEqual(value(a).source);
    expect('headers' in a).toBe(false);
  });

  it('gives each change the source block of its own transaction', () => {
    const r = records();
    const first = r.insert(products, row('1'), STREAM, streamMeta(700, '0/2000000'));
    const second = r.insert(products, row('2'), STREAM, streamMeta(701, '0/3000000'));
    const again = r.insert(products, row('3'), STREAM, streamMeta(700, '0/2000000'));
    expect(first.map((x) => value(x).source)).toEqual([
      { connector: 'postgres-logical', db: 'app', schema: 'shop', table: 'products', position: '{"lsn":"0/2000000","phase":"stream"}', txid: 700, lsn: '0/2000000', snapshot: false, ts_us: 1_800_000_000_000_001 },
    ]);
    expect(second.map((x) => [value(x).source.txid, value(x).source.lsn, value(x).source.position])).toEqual([[701, '0/3000000', '{"lsn":"0/3000000","phase":"stream"}']]);
    expect(again.map((x) => value(x).source)).toEqual(first.map((x) => value(x).source));
  });

  it('writes the offset as the position when the meta names none', () => {
    const r = records();
    const meta: ChangeMeta = { txid: 7, lsn: '0/10', snapshot: false, tsUs: 1 };
    const [a, b] = [r.insert(products, row('1'), { phase: 'stream', lsn: '0/10' }, meta)[0], r.insert(products, row('2'), { lsn: '0/20', phase: 'stream', last_key: '2' }, meta)[0]] as [SourceRecord, SourceRecord];
    expect(value(a).source.position).toBe('{"lsn":"0/10","phase":"stream"}');
    expect(value(b).source.position).toBe('{"lsn":"0/20","phase":"stream","last_key":"2"}');
  });

  it('streams updates with their before-image, and a key change as delete, tombstone and create', () => {
    const r = records();
    const meta = streamMeta(700, '0/2000000');
    const [update] = r.update(products, row('1', '1.00'), row('1', '2.00'), STREAM, meta) as [SourceRecord];
    expect(value(update)).toMatchObject({ op: 'u', before: { id: 1, price: '1.00' }, after: { id: 1, price: '2.00' } });
    const moved = r.update(products, row('1'), row('9'), STREAM, meta);
    expect(moved.map((x) => [x.key, x.value === null ? null : value(x).op])).toEqual([
      [{ id: 1 }, 'd'],
      [{ id: 1 }, null],
      [{ id: 9 }, 'c'],
    ]);
    expect(moved[1]).toEqual({ ...moved[0], value: null });
    const [plain] = r.update(products, null, row('1'), STREAM, meta) as [SourceRecord];
    expect(value(plain)).toMatchObject({ op: 'u', before: null });
  });

  it('deletes with a tombstone, and a keyless row without one', () => {
    const r = records();
    const meta = streamMeta(700, '0/2000000');
    const deleted = r.delete(products, row('1'), STREAM, meta);
    expect(deleted.map((x) => [x.key, x.value === null ? null : value(x).op])).toEqual([
      [{ id: 1 }, 'd'],
      [{ id: 1 }, null],
    ]);
    expect(value(deleted[0] as SourceRecord)).toMatchObject({ before: { id: 1 }, after: null, unchanged_toast: [] });
    const gone = r.delete(keyless, { note: 'x', n: '3' }, STREAM, meta);
    expect(gone.map((x) => [x.key, value(x).op, value(x).before])).toEqual([[null, 'd', { note: 'x', n: 3 }]]);
  });

  it('names unchanged TOASTed values in unchanged_toast and a header', () => {
    const r = records();
    const [update] = r.update(products, null, { id: '1', name: undefined, price: '1.00', at: undefined }, STREAM, streamMeta(700, '0/2000000')) as [SourceRecord];
    expect(value(update).unchanged_toast).toEqual(['name', 'at']);
    expect(value(update).after).toEqual({ id: 1, name: null, price: '1.00', at: null });
    expect(update.headers).toEqual({ 'buyonline.unchanged-toast': 'name,at' });
  });

  it('keys rows, keys and unchanged_toast by the columns’ Avro field names', () => {
    const odd = shapeTable([column('p:k', 'int4', { isKey: true, keyPosition: 1, notNull: true }), column('__proto__', 'text'), column('big text', 'text')], NAMES, [], 'shop.odd');
    const tuple: Record<string, string | null | undefined> = Object.create(null);
    Object.assign(tuple, { 'p:k': '1', 'big text': undefined }, JSON.parse('{"__proto__":"p"}')); // as pgoutput decodes it: a prototype-less object
    const [update] = records().update(odd, null, tuple, STREAM, streamMeta(7, '0/3000000')) as [SourceRecord];
    expect(update.key).toEqual({ p_u003ak: 1 });
    expect(value(update).after).toEqual({ p_u003ak: 1, _u005f_proto__: 'p', big_u0020text: null });
    expect(value(update).unchanged_toast).toEqual(['big_u0020text']);
    expect(update.headers).toEqual({ 'buyonline.unchanged-toast': 'big_u0020text' });
  });

  it('truncates with one keyless t record', () => {
    const meta = streamMeta(700, '0/2000000');
    const record = records().truncate(products, STREAM, meta);
    expect(record.key).toBeNull();
    expect(value(record)).toEqual({ op: 't', before: null, after: null, source: value(records().insert(products, row('1'), STREAM, meta)[0] as SourceRecord).source, ts_us: NOW * 1000, unchanged_toast: [] });
  });

  it('dead-letters a row that cannot be converted, with its text values and the column named', () => {
    const r = records();
    const meta = snapshotMeta('1');
    const bad = { id: '1', name: 'x', price: '1', at: 'not a time' };
    const failed = r.read(products, bad, offset('1'), meta);
    expect(failed).toMatchObject({ key: { id: '1' }, value: bad, failure: { code: new DataError('x').code, message: expect.stringMatching(/^shop\.products: column at: timestamptz: "not a time" is not a timestamptz$/) } });
    const missingKey = r.insert(products, { id: null, name: 'x', price: '1', at: null }, STREAM, streamMeta(700, '0/2000000'));
    expect(missingKey.map((x) => x.failure?.message)).toEqual(['shop.products: column id: the key is missing from the row']);
    const deleted = r.delete(products, { ...bad, price: '1', at: 'not a time' }, STREAM, streamMeta(700, '0/2000000'));
    expect(deleted.map((x) => x.failure?.message)).toEqual([expect.stringMatching(/column at: /)]);
  });
});

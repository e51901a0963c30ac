import type { SinkRecord } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { stageLine, toStageRow } from './stage-row.ts';

const TS = 1_700_000_000_123;
const TS_ISO = '2023-11-14T22:13:20.123Z';

function record(value: unknown, overrides: Partial<SinkRecord> = {}): SinkRecord {
  return { topic: 'shop.public.orders', partition: 2, offset: '42', timestampMs: TS, key: { id: 7 }, value, ...overrides };
}

const kafka = { topic: 'shop.public.orders', partition: 2, offset: 42, key: { id: 7 }, timestamp: TS_ISO };
const source = { db: 'shop', schema: 'public', table: 'orders', lsn: '0/16B3748' };

describe('toStageRow', () => {
  it('puts the after-image of an insert at the top level, then the change metadata', () => {
    const row = toStageRow(
      record({
        op: 'c',
        before: null,
        after: { id: 7, total: '12.30', placed_at: '2024-01-02T03:04:05.123456Z' },
        source,
        ts_us: 1_700_000_000_123_456,
      }),
    );
    expect(row).toEqual({
      id: 7,
      total: '12.30',
      placed_at: '2024-01-02T03:04:05.123456Z',
      __op: 'c',
      __deleted: false,
      __source: source,
      __processed_at: 1_700_000_000_123_456,
      __kafka: kafka,
    });
  });

  it('takes the after-image of an update, not the before-image', () => {
    const row = toStageRow(record({ op: 'u', before: { id: 7, total: '1.00' }, after: { id: 7, total: '2.00' }, source }));
    expect(row).toMatchObject({ id: 7, total: '2.00', __op: 'u', __deleted: false });
  });

  it('keeps the before-image of a delete and marks it deleted', () => {
    const row = toStageRow(record({ op: 'd', before: { id: 7, total: '2.00' }, after: null }));
    expect(row).toEqual({
      id: 7,
      total: '2.00',
      __op: 'd',
      __deleted: true,
      __source: null,
      __processed_at: null,
      __kafka: kafka,
    });
  });

  it('writes a plain value as it is, with only the Kafka coordinates added', () => {
    expect(toStageRow(record({ id: 7, status: 'paid' }))).toEqual({ id: 7, status: 'paid', __kafka: kafka });
  });

  it('does not take a value with an `op` field but no images for an envelope', () => {
    expect(toStageRow(record({ op: 'refund', amount: '3.50' }))).toEqual({ op: 'refund', amount: '3.50', __kafka: kafka });
  });

  it('reads the offset as a number and the timestamp as ISO-8601', () => {
    const row = toStageRow(record({ id: 1 }, { offset: '9007199254740991', timestampMs: 0, key: null }));
    expect(row?.__kafka).toEqual({
      topic: 'shop.public.orders',
      partition: 2,
      offset: 9_007_199_254_740_991,
      key: null,
      timestamp: '1970-01-01T00:00:00.000Z',
    });
  });

  it('returns undefined for a tombstone', () => {
    expect(toStageRow(record(null))).toBeUndefined();
    expect(toStageRow(record(undefined))).toBeUndefined();
  });

  it('writes NaN and infinities of real/double columns as PostgreSQL prints them, never as null', () => {
    const row = toStageRow(record({ op: 'c', before: null, after: { id: 7, ratio: Number.NaN, hi: Number.POSITIVE_INFINITY, lo: Number.NEGATIVE_INFINITY, xs: [1.5, Number.NaN] }, source }));
    expect(JSON.parse(JSON.stringify(row))).toMatchObject({ id: 7, ratio: 'NaN', hi: 'Infinity', lo: '-Infinity', xs: [1.5, 'NaN'] });
  });

  it('leaves out an unchanged TOASTed value (unknown without a before-image) and names it, never writing null', () => {
    const row = toStageRow(record({ op: 'u', before: null, after: { id: 7, total: '2.00', notes: null }, source, unchanged_toast: ['notes'] }));
    expect(row).toMatchObject({ id: 7, total: '2.00', __op: 'u', __unchanged_toast: ['notes'] });
    expect(row).not.toHaveProperty('notes');
    const full = toStageRow(record({ op: 'u', before: null, after: { id: 7, notes: 'long text' }, source, unchanged_toast: [] }));
    expect(full).toMatchObject({ notes: 'long text' });
    expect(full).not.toHaveProperty('__unchanged_toast');
  });

  it('writes a truncate as a keyless line that says every earlier row of the table is gone', () => {
    const row = toStageRow(record({ op: 't', before: null, after: null, source, unchanged_toast: [] }, { key: null }));
    expect(row).toEqual({ __op: 't', __deleted: true, __source: source, __processed_at: null, __kafka: { ...kafka, key: null } });
  });
});

describe('stageLine', () => {
  const same = (r: SinkRecord) => expect(stageLine(r)).toBe(r.value == null ? undefined : JSON.stringify(toStageRow(r)));
  const envelope = (after: Record<string, unknown> | null, extra: Record<string, unknown> = {}) => ({ op: 'u', before: null, after, source, ts_us: 1_700_000_000_123_456, ...extra });

  it('is the text of JSON.stringify(toStageRow(record)) for every kind of record', () => {
    same(record(envelope({ id: 7, total: '12.30', placed_at: '2024-01-02T03:04:05.123456Z', note: 'a "quoted" \\ line\n', emoji: '😀' })));
    same(record({ op: 'c', before: null, after: { id: 1 }, source: null }));
    same(record({ op: 'd', before: { id: 7, total: '1.00' }, after: null, source }));
    same(record({ op: 't', before: null, after: null, source }, { key: null }));
    same(record(envelope({ id: 7, big: 'x' }, { unchanged_toast: ['big'] })));
    same(record(envelope({ id: 7, nan: Number.NaN, inf: Number.NEGATIVE_INFINITY, bytes: Buffer.from([0, 255]), list: [1, Buffer.from([1])], doc: { a: [1, { b: null }] } })));
    same(record(envelope({ id: 7 }), { key: undefined }));
    same(record(envelope({ id: 7 }), { key: 'plain-key', topic: 'other "topic"', partition: 0, offset: '9007199254740000' }));
    same(record({ id: 7, plain: true })); // not an envelope
    same(record(null)); // tombstone
    // Columns named like the metadata fields.
    same(record(envelope({ id: 7, __kafka: 'x', __source: 1, __op: 'col' })));
    same(record(envelope({ id: 7 }, { source: { db: 'shop', nested: { lsn: '0/1' } } })));
    same(record(envelope({ id: 7 }, { ts_us: undefined, source: undefined })));
  });

  it('writes an integer beyond 2^53 as its bare digits, never rounded nor quoted, in values, arrays, keys and the source', () => {
    const big = 1_550_166_368_505_037_572n;
    const line = stageLine(
      record(envelope({ id: big, max: 9_223_372_036_854_775_807n, min: -9_223_372_036_854_775_808n, ids: [big, 7], small: 7 }, { source: { ...source, txId: big } }), { key: { id: big } }),
    );
    expect(line).toContain('{"id":1550166368505037572,"max":9223372036854775807,"min":-9223372036854775808,"ids":[1550166368505037572,7],"small":7,"__op":"u"');
    expect(line).toContain('"txId":1550166368505037572');
    expect(line).toContain('"key":{"id":1550166368505037572}');
    expect(stageLine(record({ id: big, plain: true }))).toContain('{"id":1550166368505037572,"plain":true,"__kafka":');
  });

  it('writes -0.0 of a double or real as -0, in values and arrays (JSON.stringify would write 0)', () => {
    const line = stageLine(record(envelope({ id: 7, x: -0, xs: [1.5, -0, 0], zero: 0, nested: { y: -0 } })));
    expect(line).toContain('{"id":7,"x":-0,"xs":[1.5,-0,0],"zero":0,"nested":{"y":-0},"__op":"u"');
    // Everything else on the line as JSON.stringify writes it.
    expect(line).toBe(JSON.stringify(toStageRow(record(envelope({ id: 7, x: -0, xs: [1.5, -0, 0], zero: 0, nested: { y: -0 } })))).replace('"x":0,"xs":[1.5,0,0],"zero":0,"nested":{"y":0}', '"x":-0,"xs":[1.5,-0,0],"zero":0,"nested":{"y":-0}'));
  });

  it('writes bytes, NaN and infinities inside a bigint row as it does elsewhere', () => {
    const line = stageLine(record(envelope({ id: 2n ** 60n, b: Buffer.from([0, 255]), nan: Number.NaN, text: 'a "q" \\ \n', u: undefined, list: [Buffer.from([1]), null] })));
    expect(line).toContain(`{"id":1152921504606846976,"b":"\\\\x00ff","nan":"NaN","text":${JSON.stringify('a "q" \\ \n')},"list":["\\\\x01",null],"__op":"u"`);
  });

  it('renders each record’s own source, also when only one field changes from the last one', () => {
    const sources = [source, { ...source }, { ...source, lsn: '0/16B3750' }, { ...source, lsn: '0/16B3750', extra: 1 }, { db: 'shop' }, source, { ...source, lsn: null }];
    for (const s of sources) same(record(envelope({ id: 7 }, { source: s })));
    const nested = { db: 'shop', at: { lsn: '0/1' } };
    same(record(envelope({ id: 7 }, { source: nested })));
    nested.at.lsn = '0/2'; // a nested source is never taken from the last one rendered
    same(record(envelope({ id: 7 }, { source: nested })));
  });
});

describe('column names in stage lines', () => {
  // The row record as the source names it: Avro field names, the PostgreSQL name in `buyonline.pg.name` when it differs.
  const row = {
    type: 'record',
    name: 'Value',
    fields: [
      { name: 'p_u003ak', 'buyonline.pg.name': 'p:k', type: 'int' },
      { name: '__op', type: ['null', 'string'], default: null },
      { name: '__deleted', type: ['null', 'string'], default: null },
      { name: '__source', type: ['null', 'string'], default: null },
      { name: '_u005f_proto__', 'buyonline.pg.name': '__proto__', type: ['null', 'string'], default: null },
      { name: '__kafka', type: ['null', 'string'], default: null },
      { name: '_u005f_unchanged_toast', 'buyonline.pg.name': '__unchanged_toast', type: ['null', 'string'], default: null },
      { name: 'big', type: ['null', 'string'], default: null },
    ],
  };
  const valueSchema = {
    type: 'record',
    name: 'Envelope',
    namespace: 'shop.public.odd',
    fields: [
      { name: 'op', type: 'string' },
      { name: 'before', type: ['null', row], default: null },
      { name: 'after', type: ['null', 'Value'], default: null },
    ],
  };
  const after = { p_u003ak: 7, __op: 'op col', __deleted: 'deleted col', __source: 'source col', _u005f_proto__: 'proto col', __kafka: 'kafka col', _u005f_unchanged_toast: 'toast col', big: 'x' };
  const odd = (value: Record<string, unknown>, overrides: Partial<SinkRecord> = {}) =>
    record({ before: null, after, source, ts_us: 1, unchanged_toast: [], ...value }, { key: { p_u003ak: 7 }, valueSchema, ...overrides });

  it('keys columns by their PostgreSQL name, and a name starting with __ with one more _, so no column overwrites or drops metadata', () => {
    const line = JSON.parse(stageLine(odd({ op: 'c' })) as string);
    expect(line).toEqual({
      'p:k': 7,
      ___op: 'op col',
      ___deleted: 'deleted col',
      ___source: 'source col',
      ___proto__: 'proto col',
      ___kafka: 'kafka col',
      ___unchanged_toast: 'toast col',
      big: 'x',
      __op: 'c',
      __deleted: false,
      __source: source,
      __processed_at: 1,
      __kafka: { ...kafka, key: { 'p:k': 7 } },
    });
    expect(Object.getPrototypeOf(line)).toBe(Object.prototype);
    expect(stageLine(odd({ op: 'c' }))).toBe(JSON.stringify(toStageRow(odd({ op: 'c' }))));
  });

  it('never lets a column set the row’s prototype', () => {
    const row = toStageRow(odd({ op: 'c' })) as Record<string, unknown>;
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.hasOwn(row, '___proto__')).toBe(true);
    expect(Object.hasOwn(row, '__proto__')).toBe(false);
  });

  it('names unchanged TOASTed columns by their stage names, and a delete’s before-image the same way', () => {
    const update = JSON.parse(stageLine(odd({ op: 'u', unchanged_toast: ['big', '_u005f_proto__'] })) as string);
    expect(update).not.toHaveProperty('big');
    expect(update).not.toHaveProperty('___proto__');
    expect(update.__unchanged_toast).toEqual(['big', '___proto__']);
    const deleted = JSON.parse(stageLine(odd({ op: 'd', before: after, after: null })) as string);
    expect(deleted).toMatchObject({ 'p:k': 7, ___op: 'op col', __op: 'd', __deleted: true });
  });

  it('without a schema, still keeps metadata apart from columns named like it', () => {
    const line = JSON.parse(stageLine(record({ op: 'c', before: null, after: { id: 7, __op: 'x', __kafka: 'y' }, source }, { key: { __op: 1 } })) as string);
    expect(line).toMatchObject({ id: 7, ___op: 'x', ___kafka: 'y', __op: 'c', __kafka: { key: { ___op: 1 } } });
  });
});

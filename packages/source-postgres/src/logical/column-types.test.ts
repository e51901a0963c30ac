import { describe, expect, it } from 'vitest';
import { type ColumnInfo, dateToDays, mapColumn, timestamptzToMicros, timeToMicros } from '../index.ts';

const col = (typeName: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name: 'c',
  typeName,
  typeType: 'b',
  typeMod: -1,
  notNull: false,
  isKey: false,
  ...extra,
});

describe('PostgreSQL → Avro column mapping', () => {
  it('maps numeric(p,s) to a decimal with the same precision and scale, keeping the exact text', () => {
    const m = mapColumn(col('numeric', { typeMod: ((12 << 16) | 4) + 4 }));
    expect(m.avro).toEqual({ type: 'bytes', logicalType: 'decimal', precision: 12, scale: 4 });
    expect(m.fromText('-99999999.9999')).toBe('-99999999.9999');
    expect(() => m.fromText('NaN')).toThrow(/NaN/);
  });

  it('keeps numeric without a declared precision as exact text', () => {
    const m = mapColumn(col('numeric'));
    expect(m.avro).toEqual({ type: 'string', 'buyonline.pg.type': 'numeric' });
    expect(m.fromText('123456789012345678901234567890.123456789')).toBe('123456789012345678901234567890.123456789');
  });

  it('refuses integers that the Avro long cannot carry exactly instead of rounding them', () => {
    const m = mapColumn(col('int8'));
    expect(m.fromText('4503599627370495')).toBe(4503599627370495);
    expect(m.fromText('-4503599627370495')).toBe(-4503599627370495);
    expect(() => m.fromText('9223372036854775807')).toThrow(/2\^52/);
  });

  it('reads booleans in both text forms (pgoutput t/f, ::text true/false)', () => {
    const m = mapColumn(col('bool'));
    expect([m.fromText('t'), m.fromText('true'), m.fromText('f'), m.fromText('false')]).toEqual([true, true, false, false]);
  });

  it('converts dates, times and timestamps at microsecond precision', () => {
    expect(dateToDays('1970-01-01')).toBe(0);
    expect(dateToDays('0001-01-01')).toBe(-719162);
    expect(dateToDays('1969-12-31')).toBe(-1);
    expect(timeToMicros('23:59:59.999999')).toBe(86_399_999_999);
    expect(timeToMicros('12:34:56.5')).toBe(45_296_500_000);
    expect(timestamptzToMicros('1970-01-01 00:00:00.000001+00')).toBe(1);
    expect(timestamptzToMicros('1960-06-15 12:00:00.000001+05:30')).toBe(Date.UTC(1960, 5, 15, 6, 30) * 1000 + 1);
    expect(() => timestamptzToMicros('infinity')).toThrow(/infinity/);
    expect(mapColumn(col('timestamp')).fromText('1969-12-31 23:59:59.999999')).toBe(-1);
  });

  it('maps uuid, json, enums and bytea to exact forms', () => {
    expect(mapColumn(col('uuid')).avro).toEqual({ type: 'string', logicalType: 'uuid' });
    expect(mapColumn(col('jsonb')).fromText('{"a": [1, 2.50]}')).toBe('{"a": [1, 2.50]}');
    expect(mapColumn(col('mood', { typeType: 'e' })).fromText('happy')).toBe('happy');
    expect(mapColumn(col('bytea')).fromText('\\x00ff10')).toEqual(Buffer.from([0, 255, 16]));
  });

  it('maps one-dimensional arrays element by element, NULLs and quoting included', () => {
    const ints = mapColumn(col('_int4', { element: { typeName: 'int4', typeType: 'b' } }));
    expect(ints.avro).toEqual({ type: 'array', items: ['null', 'int'] });
    expect(ints.fromText('{1,NULL,-3}')).toEqual([1, null, -3]);
    const texts = mapColumn(col('_text', { element: { typeName: 'text', typeType: 'b' } }));
    expect(texts.fromText('{"a b",NULL,"c,d","{braces}"}')).toEqual(['a b', null, 'c,d', '{braces}']);
    expect(() => ints.fromText('{{1,2},{3,4}}')).toThrow(/multi-dimensional/);
  });
});

import { describe, expect, it } from 'vitest';
import type { ColumnInfo } from './column-types.ts';
import { SnapshotKeys } from './snapshot-keys.ts';

const key = (typeName: string): ColumnInfo => ({ name: 'id', typeName, typeType: 'b', typeMod: -1, notNull: true, isKey: true });

/** Sorts with SnapshotKeys.compare; every list below is in PostgreSQL's order (checked with ORDER BY). */
function sorted(typeName: string, values: readonly string[]): string[] {
  const keys = new SnapshotKeys();
  return [...values].reverse().sort((a, b) => keys.compare(key(typeName), a, b));
}

describe('SnapshotKeys.compare in memory', () => {
  it('orders integers as numbers, not text', () => {
    expect(sorted('int8', ['-9223372036854775808', '-10', '-9', '0', '9', '10', '9223372036854775807'])).toEqual([
      '-9223372036854775808',
      '-10',
      '-9',
      '0',
      '9',
      '10',
      '9223372036854775807',
    ]);
  });

  it('orders numeric exactly, with its infinities and NaN last', () => {
    const order = ['-Infinity', '-100000000000000000000.000001', '-1.5', '-0.0000001', '0', '0.000001', '0.1', '1.25', '1.5', '9', '10', '100000000000000000000.000001', 'Infinity', 'NaN'];
    expect(sorted('numeric', order)).toEqual(order);
    const keys = new SnapshotKeys();
    expect(keys.compare(key('numeric'), '1.50', '1.5')).toBe(0);
    expect(keys.compare(key('numeric'), '0.00', '0')).toBe(0);
    expect(keys.compare(key('numeric'), '100000000000000000000000000001', '100000000000000000000000000000.9')).toBe(1);
  });

  it('orders floats as PostgreSQL does: -Infinity first, NaN after Infinity, -0 equal to 0', () => {
    const order = ['-Infinity', '-1.5e+300', '-1', '0', '5e-324', '1', 'Infinity', 'NaN'];
    expect(sorted('float8', order)).toEqual(order);
    expect(new SnapshotKeys().compare(key('float8'), '-0', '0')).toBe(0);
    expect(new SnapshotKeys().compare(key('float8'), 'NaN', 'NaN')).toBe(0);
  });

  it('orders uuids by their bytes, whatever the case of the hex digits', () => {
    const order = ['00000000-0000-0000-0000-000000000000', '0a000000-0000-0000-0000-000000000000', 'A0000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'];
    expect(sorted('uuid', order)).toEqual(order);
    expect(new SnapshotKeys().compare(key('uuid'), 'ABCDEF00-0000-0000-0000-000000000000', 'abcdef00-0000-0000-0000-000000000000')).toBe(0);
  });

  it('orders dates across BC, years past 9999 and the infinities', () => {
    const order = ['-infinity', '4713-01-01 BC', '0001-12-31 BC', '0001-01-01', '1969-12-31', '1970-01-01', '2000-02-29', '2000-03-01', '9999-12-31', '10000-01-01', '5874897-12-31', 'infinity'];
    expect(sorted('date', order)).toEqual(order);
  });

  it('orders timestamps by the instant, microseconds and printed offsets included', () => {
    const order = ['-infinity', '0001-01-01 00:00:00 BC', '1999-12-31 23:59:59.999999', '2000-01-01 00:00:00', '2000-01-01 00:00:00.000001', '2000-01-01 00:00:00.5', '294276-12-31 23:59:59.999999', 'infinity'];
    expect(sorted('timestamp', order)).toEqual(order);
    const tz = ['2023-12-31 22:00:00+00', '2024-01-01 01:00:00+02', '2024-01-01 00:00:00+00', '2024-01-01 00:00:00.000001+00', '2024-01-01 00:30:00-05:30', '2024-01-01 03:00:00-04'];
    expect(sorted('timestamptz', tz)).toEqual(tz);
    expect(new SnapshotKeys().compare(key('timestamptz'), '2024-01-01 01:00:00+01', '2024-01-01 00:00:00+00')).toBe(0);
  });

  it('refuses to guess the order of text whose collation it has not been told', () => {
    expect(() => new SnapshotKeys().compare(key('text'), 'a', 'B')).toThrow(/PostgreSQL's/);
  });
});

import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { DataError, isoToMicros, microsToIso } from '@buyonline/connect-api';
import { bigintToTwosComplement, decimalToUnscaled, jsonLogicalTypes, twosComplementToBigint, unscaledToDecimal, wireLogicalTypes } from './index.ts';

const schema = {
  type: 'record',
  name: 'Row',
  fields: [
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } },
  ],
} as const;

describe('decimal', () => {
  it.each([
    ['0', '0.00'],
    ['0.5', '0.50'],
    ['-0.01', '-0.01'],
    ['9999999999.99', '9999999999.99'],
    ['-9999999999.99', '-9999999999.99'],
    ['12.30', '12.30'],
    ['007.10', '7.10'],
  ])('round-trips %s exactly as %s', (input, expected) => {
    const unscaled = decimalToUnscaled(input, 12, 2);
    expect(unscaledToDecimal(twosComplementToBigint(bigintToTwosComplement(unscaled)), 2)).toBe(expected);
  });

  it('refuses values beyond the precision or with extra decimal places', () => {
    expect(() => decimalToUnscaled('99999999999.00', 12, 2)).toThrow(DataError);
    expect(() => decimalToUnscaled('1.001', 12, 2)).toThrow(/more than 2 decimal places/);
    expect(() => decimalToUnscaled('1e5', 12, 2)).toThrow(/not a decimal/);
  });

  it('encodes two’s complement like Java BigInteger.toByteArray', () => {
    expect(bigintToTwosComplement(127n)).toEqual(Buffer.from([0x7f]));
    expect(bigintToTwosComplement(128n)).toEqual(Buffer.from([0x00, 0x80]));
    expect(bigintToTwosComplement(-1n)).toEqual(Buffer.from([0xff]));
    expect(bigintToTwosComplement(-129n)).toEqual(Buffer.from([0xff, 0x7f]));
  });
});

describe('timestamp-micros', () => {
  it('formats ISO-8601 with six fractional digits, before and after the epoch', () => {
    expect(microsToIso(0)).toBe('1970-01-01T00:00:00.000000Z');
    expect(microsToIso(1_700_000_000_123_456)).toBe('2023-11-14T22:13:20.123456Z');
    expect(microsToIso(-1)).toBe('1969-12-31T23:59:59.999999Z');
  });

  it('parses ISO back to the same microsecond, zones included', () => {
    expect(isoToMicros('2023-11-14T22:13:20.123456Z')).toBe(1_700_000_000_123_456);
    expect(isoToMicros('2023-11-14T23:13:20.000001+01:00')).toBe(1_700_000_000_000_001);
  });
});

describe('JSON forms of date and time types', () => {
  it('decode date, time-micros and local-timestamp-micros to ISO text', () => {
    const row = {
      type: 'record',
      name: 'T',
      fields: [
        { name: 'd', type: { type: 'int', logicalType: 'date' } },
        { name: 't', type: { type: 'long', logicalType: 'time-micros' } },
        { name: 'l', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
      ],
    };
    const raw = avro.Type.forSchema(row as unknown as avro.Schema);
    const json = avro.Type.forSchema(row as unknown as avro.Schema, { logicalTypes: jsonLogicalTypes });
    const buf = raw.toBuffer({ d: -1, t: 86_399_999_999, l: 1_700_000_000_000_001 });
    expect(json.fromBuffer(buf)).toEqual({ d: '1969-12-31', t: '23:59:59.999999', l: '2023-11-14T22:13:20.000001' });
  });
});

describe('Avro logical types', () => {
  it('encode with the wire types and decode to JSON strings', () => {
    const wire = avro.Type.forSchema(schema as unknown as avro.Schema, { logicalTypes: wireLogicalTypes });
    const json = avro.Type.forSchema(schema as unknown as avro.Schema, { logicalTypes: jsonLogicalTypes });
    const buf = wire.toBuffer({ price: '-12.34', at: 1_700_000_000_123_456 });
    expect(json.fromBuffer(buf)).toEqual({ price: '-12.34', at: '2023-11-14T22:13:20.123456Z' });
    expect(wire.fromBuffer(buf)).toEqual({ price: '-12.34', at: 1_700_000_000_123_456 });
  });
});

describe('JSON rendering at the edges of time and date', () => {
  const edge = avro.Type.forSchema(
    {
      type: 'record',
      name: 'Edge',
      fields: [
        { name: 't', type: { type: 'long', logicalType: 'time-micros' } },
        { name: 'd', type: { type: 'int', logicalType: 'date' } },
      ],
    },
    { logicalTypes: jsonLogicalTypes },
  );
  const roundTrip = (t: number, d: number) => edge.fromBuffer(avro.Type.forSchema(edge.schema() as avro.Schema).toBuffer({ t, d })) as { t: string; d: string };

  it("keeps time '24:00:00' (PostgreSQL's end of day), never wrapping to 00:00", () => {
    expect(roundTrip(86_400_000_000, 0).t).toBe('24:00:00.000000');
    expect(roundTrip(86_399_999_999, 0).t).toBe('23:59:59.999999');
  });

  it('prints dates past year 9999 as PostgreSQL does (five-digit year), not a truncated ISO string', () => {
    const days = Math.round(Date.UTC(10000, 0, 1) / 86_400_000);
    expect(roundTrip(0, days).d).toBe('10000-01-01');
    expect(roundTrip(0, Math.round(Date.UTC(275759, 11, 31) / 86_400_000)).d).toBe('275759-12-31');
    expect(roundTrip(0, 0).d).toBe('1970-01-01');
    expect(roundTrip(0, -719162).d).toBe('0001-01-01');
  });
});

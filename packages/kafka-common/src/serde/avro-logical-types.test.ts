import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { DataError, isoToMicros, microsToIso } from '@buyonline/connect-api';
import { bigintToTwosComplement, decimalToUnscaled, jsonLogicalTypes, twosComplementToBigint, unscaledToDecimal, wireLogicalTypes } from './avro-logical-types.ts';

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

describe('decimal encoding and decoding through the Avro type', () => {
  const decimalType = (precision: number, scale: number, fixedSize?: number) => {
    const schema = fixedSize === undefined ? { type: 'bytes', logicalType: 'decimal', precision, scale } : { type: 'fixed', name: 'D', size: fixedSize, logicalType: 'decimal', precision, scale };
    return {
      wire: avro.Type.forSchema(schema as unknown as avro.Schema, { logicalTypes: wireLogicalTypes }),
      json: avro.Type.forSchema(schema as unknown as avro.Schema, { logicalTypes: jsonLogicalTypes }),
      raw: avro.Type.forSchema(schema as unknown as avro.Schema),
    };
  };
  /** The bytes BigInt arithmetic gives (decimalToUnscaled, then bigintToTwosComplement). */
  const viaBigInt = (text: string, precision: number, scale: number, fixedSize?: number) =>
    decimalType(precision, scale, fixedSize).raw.toBuffer(bigintToTwosComplement(decimalToUnscaled(text, precision, scale), fixedSize));

  it.each([
    ['0', 12, 2, [0x00]],
    ['-0.00', 12, 2, [0x00]],
    ['-0.01', 12, 2, [0xff]],
    ['1.27', 12, 2, [0x7f]],
    ['1.28', 12, 2, [0x00, 0x80]],
    ['-1.29', 12, 2, [0xff, 0x7f]],
    ['+2.5', 12, 2, [0x00, 0xfa]],
    ['007.10', 12, 2, [0x02, 0xc6]],
    ['9999999999.99', 12, 2, [0x00, 0xe8, 0xd4, 0xa5, 0x0f, 0xff]],
    ['-9999999999.99', 12, 2, [0xff, 0x17, 0x2b, 0x5a, 0xf0, 0x01]],
  ] as const)('encodes %s as decimal(%d,%d) to the two’s complement bytes %j', (text, precision, scale, bytes) => {
    const { wire, raw } = decimalType(precision, scale);
    expect(wire.toBuffer(text)).toEqual(raw.toBuffer(Buffer.from(bytes)));
  });

  it('gives the bytes BigInt gives, below and beyond 2^53, in bytes and in fixed types', () => {
    const cases: [string, number, number][] = [
      ['999999999999999', 15, 0],
      ['-999999999999999', 15, 0],
      ['9999999999999999', 16, 0],
      ['9007199254740993', 16, 0],
      ['-9007199254740993', 16, 0],
      ['99999999999999999999999999999999999999', 38, 0],
      ['-1234567890123456789012345678.0123456789', 38, 10],
      ['12345678901234.5', 16, 2],
      ['0.000000000000000000000000000001', 38, 30],
      ['1.500', 12, 2],
      ['0000000000000000000000000000000000000000012.30', 12, 2],
      [' 12.30 ', 12, 2],
      ['140737488355327', 15, 0],
      ['-140737488355328', 15, 0],
      ['140737488355328', 15, 0],
    ];
    for (const [text, precision, scale] of cases) {
      expect([text, decimalType(precision, scale).wire.toBuffer(text)]).toEqual([text, viaBigInt(text, precision, scale)]);
      expect([text, decimalType(precision, scale, 17).wire.toBuffer(text)]).toEqual([text, viaBigInt(text, precision, scale, 17)]);
    }
    expect(decimalType(12, 2, 4).wire.toBuffer('-0.01')).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    expect(decimalType(12, 2, 4).wire.toBuffer('1.28')).toEqual(Buffer.from([0x00, 0x00, 0x00, 0x80]));
  });

  it('refuses what does not fit, with the same reasons as before', () => {
    const { wire } = decimalType(12, 2);
    expect(() => wire.toBuffer('99999999999.00')).toThrow(/does not fit decimal\(12,2\)/);
    expect(() => wire.toBuffer('1.001')).toThrow(/more than 2 decimal places/);
    for (const text of ['1e5', '1.', '.5', '', '-', '1,5', 'NaN', '- 1']) expect(() => wire.toBuffer(text), text).toThrow(/not a decimal/);
    expect(() => decimalType(12, 2, 2).wire.toBuffer('-327.69')).toThrow('decimal needs 3 bytes, the fixed type has 2');
    expect(() => decimalType(38, 0, 8).wire.toBuffer('9223372036854775808')).toThrow('decimal needs 9 bytes, the fixed type has 8');
  });

  it('decodes every length of bytes back to the exact text, at scales 0, 2 and beyond the digits', () => {
    const cases: [string, number, number, string][] = [
      ['-0.00', 12, 2, '0.00'],
      ['0.05', 12, 2, '0.05'],
      ['-0.05', 12, 2, '-0.05'],
      ['-128', 10, 0, '-128'],
      ['32767', 10, 0, '32767'],
      ['-8388608', 10, 0, '-8388608'],
      ['21474836.47', 12, 2, '21474836.47'],
      ['-1099511627776', 15, 0, '-1099511627776'],
      ['1407374883553.27', 15, 2, '1407374883553.27'],
      ['-1407374883553.28', 15, 2, '-1407374883553.28'],
      ['1407374883553.28', 15, 2, '1407374883553.28'],
      ['99999999999999999999999999999999999999', 38, 0, '99999999999999999999999999999999999999'],
      ['-0.000000000000000000000000000001', 38, 30, '-0.000000000000000000000000000001'],
    ];
    for (const [text, precision, scale, expected] of cases) {
      for (const size of [undefined, 17]) {
        const { wire, json } = decimalType(precision, scale, size);
        expect([text, size, json.fromBuffer(wire.toBuffer(text))]).toEqual([text, size, expected]);
      }
    }
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

  it('prints BC dates with a BC suffix and the int32 sentinels as infinity / -infinity', () => {
    expect(roundTrip(0, -719_163).d).toBe('0001-12-31 BC');
    expect(roundTrip(0, -2_440_222).d).toBe('4713-11-24 BC');
    expect(roundTrip(0, 2_147_483_647).d).toBe('infinity');
    expect(roundTrip(0, -2_147_483_648).d).toBe('-infinity');
  });
});

import { DataError } from '@buyonline/connect-api';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { jsonLogicalTypes, wireLogicalTypes } from './avro-logical-types.ts';
import { compileAvroType, decodeFramed, encodeFramed, framedSchemaId } from './avro-wire.ts';

const schema = {
  type: 'record',
  name: 'Row',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: ['null', 'string'], default: null },
    { name: 'price', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 }], default: null },
    { name: 'at', type: ['null', { type: 'long', logicalType: 'timestamp-micros' }], default: null },
  ],
} as const;
const type = avro.Type.forSchema(schema as unknown as avro.Schema, { logicalTypes: wireLogicalTypes });

describe('encodeFramed / decodeFramed', () => {
  it('writes the Confluent header (magic 0, big-endian id) and the plain Avro body', () => {
    const value = { id: 7, name: 'lamp', price: '12.30', at: 1_700_000_000_000_000 };
    const bytes = encodeFramed(type, 4242, value);
    expect(bytes[0]).toBe(0);
    expect(framedSchemaId(bytes, 'value')).toBe(4242);
    expect(bytes.subarray(5).equals(type.toBuffer(value))).toBe(true);
    expect(decodeFramed(type, bytes)).toEqual(value);
  });

  it('each result owns its bytes (the scratch buffer is reused) and a record larger than the scratch buffer grows it', () => {
    const big = 'x'.repeat(200_000);
    const first = encodeFramed(type, 1, { id: 1, name: big, price: null, at: null });
    const second = encodeFramed(type, 2, { id: 2, name: 'small', price: null, at: null });
    expect((decodeFramed(type, first) as { name: string }).name).toBe(big);
    expect(decodeFramed(type, second)).toEqual({ id: 2, name: 'small', price: null, at: null });
  });

  it('records encoded one after another keep their own bytes, across the end of a slab and after a failed encoding', () => {
    const values = Array.from({ length: 3000 }, (_, i) => ({ id: i, name: 'n'.repeat(i % 97), price: `${i}.25`, at: i * 1000 }));
    const encoded = values.map((value, i) => {
      if (i % 500 === 0) expect(() => encodeFramed(type, 9, { id: i, name: 'x'.repeat(i), price: null, at: 'not a long' })).toThrow(DataError);
      return encodeFramed(type, i, value);
    });
    expect(encoded.map((bytes) => decodeFramed(type, bytes))).toEqual(values);
    expect(encoded.map((bytes) => framedSchemaId(bytes, 'value'))).toEqual(values.map((v) => v.id));
  });

  it('a value that does not fit is a DataError naming the field and what it expected', () => {
    let err: unknown;
    try {
      encodeFramed(type, 1, { id: 1, name: 5, price: null, at: null });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/at name, expected .*string.*, got 5/);
  });

  it("a logical type's own refusal (a decimal with too many places) stays a DataError with its reason", () => {
    expect(() => encodeFramed(type, 1, { id: 1, name: null, price: '1.234', at: null })).toThrow(/more than 2 decimal places/);
  });

  it('bytes without the header are refused as not framed', () => {
    expect(() => framedSchemaId(Buffer.from([1, 0, 0, 0, 1, 2]), 'key')).toThrow(DataError);
    expect(() => framedSchemaId(Buffer.from([0, 0]), 'key')).toThrow(/not in the Confluent Avro wire format/);
  });
});

describe('Avro long over the whole int64 range (number when safe, bigint otherwise)', () => {
  const longs = {
    type: 'record',
    name: 'Longs',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'maybe', type: ['null', 'long'], default: null },
      { name: 'ids', type: { type: 'array', items: 'long' } },
      { name: 'at', type: ['null', { type: 'long', logicalType: 'timestamp-micros' }], default: null },
      { name: 'local', type: ['null', { type: 'long', logicalType: 'local-timestamp-micros' }], default: null },
    ],
  };
  const text = JSON.stringify(longs);
  const producer = compileAvroType(text, wireLogicalTypes);
  const consumer = compileAvroType(text, jsonLogicalTypes);
  const INT64_MAX = 9_223_372_036_854_775_807n;
  const INT64_MIN = -9_223_372_036_854_775_808n;
  const roundTrip = (value: unknown, with_ = producer) => decodeFramed(with_, encodeFramed(producer, 1, value));

  it("round-trips Debezium's bigint values exact: 9223372036854775807 and 1550166368505037572, also in arrays", () => {
    const value = { id: INT64_MAX, maybe: 1_550_166_368_505_037_572n, ids: [1_550_166_368_505_037_572n, INT64_MIN, 7], at: null, local: null };
    expect(roundTrip(value)).toEqual(value);
    expect(roundTrip(value, consumer)).toEqual(value);
  });

  it('gives a number for every safe integer and a bigint beyond, at each edge of 2^53 and of every varint length', () => {
    const edges: bigint[] = [0n, 1n, -1n, INT64_MAX, INT64_MIN, INT64_MAX - 1n, INT64_MIN + 1n];
    for (let bits = 6n; bits < 64n; bits += 7n) for (const d of [-1n, 0n, 1n]) edges.push((1n << bits) + d, -(1n << bits) + d);
    for (const d of [-2n, -1n, 0n, 1n, 2n]) edges.push((1n << 53n) + d, -(1n << 53n) + d, (1n << 52n) + d, -(1n << 52n) + d);
    for (const v of edges) {
      const safe = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER);
      const expected = safe ? Number(v) : v;
      // Written as a number (when safe) and as a bigint: the same bytes, read back the same.
      const asBigint = encodeFramed(producer, 1, { id: v, maybe: null, ids: [], at: null, local: null });
      if (safe) expect(encodeFramed(producer, 1, { id: Number(v), maybe: null, ids: [], at: null, local: null }).equals(asBigint), String(v)).toBe(true);
      expect((decodeFramed(consumer, asBigint) as { id: unknown }).id, String(v)).toBe(expected);
      // The bytes are Avro's zigzag varint, as the plain avsc long writes them where it can.
      if (v >= -(1n << 52n) && v <= 1n << 52n) {
        const plain = avro.Type.forSchema('long').toBuffer(Number(v));
        expect(asBigint.subarray(5, 5 + plain.length).equals(plain), String(v)).toBe(true);
      }
    }
  });

  it('writes the zigzag varint a BigInt reference writes, and reads it back, for random values of every magnitude', () => {
    const reference = (v: bigint): Buffer => {
      let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
      const bytes: number[] = [];
      while (z >= 0x80n) {
        bytes.push(Number(z & 0x7fn) | 0x80);
        z >>= 7n;
      }
      bytes.push(Number(z));
      return Buffer.from(bytes);
    };
    let seed = 0x9e3779b97f4a7c15n;
    const next = () => {
      seed = BigInt.asUintN(64, seed * 6364136223846793005n + 1442695040888963407n);
      return seed;
    };
    for (let i = 0; i < 3_000; i++) {
      const bits = BigInt(i % 64);
      const v = BigInt.asIntN(64, next() >> (63n - bits)); // every magnitude from 1 to 64 bits, both signs
      const bytes = encodeFramed(producer, 1, { id: v, maybe: null, ids: [], at: null, local: null });
      const body = reference(v);
      expect(bytes.subarray(5, 5 + body.length).equals(body), String(v)).toBe(true);
      const safe = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER);
      expect((decodeFramed(consumer, bytes) as { id: unknown }).id, String(v)).toBe(safe ? Number(v) : v);
    }
  });

  it('refuses what is not an int64: a fraction, an unsafe number (already rounded), a bigint beyond 64 bits', () => {
    for (const id of [1.5, 2 ** 53, INT64_MAX + 1n, INT64_MIN - 1n, '7']) {
      expect(() => encodeFramed(producer, 1, { id, maybe: null, ids: [], at: null, local: null }), String(id)).toThrow(DataError);
    }
  });

  it('decodes the timestamps of any year and the infinity sentinels to their C2 text', () => {
    const value = { id: 1, maybe: null, ids: [], at: 601_033_651_200_000_000n, local: -210_863_520_000_000_000n };
    expect(roundTrip(value, consumer)).toEqual({ ...value, at: '21016-01-01T00:00:00.000000Z', local: '4713-01-01T00:00:00.000000 BC' });
    expect(roundTrip({ ...value, at: INT64_MAX, local: INT64_MIN }, consumer)).toMatchObject({ at: 'infinity', local: '-infinity' });
    expect(roundTrip({ ...value, at: 1_700_000_000_123_456, local: 1_700_000_000_123_456 }, consumer)).toMatchObject({
      at: '2023-11-14T22:13:20.123456Z',
      local: '2023-11-14T22:13:20.123456',
    });
  });
});

import avro from 'avsc';
import { DataError } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { wireLogicalTypes } from './avro-logical-types.ts';
import { decodeFramed, encodeFramed, framedSchemaId } from './avro-wire.ts';

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

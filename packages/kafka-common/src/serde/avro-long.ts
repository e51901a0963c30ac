import avro from 'avsc';

/**
 * Avro `long` over all 64 bits (contract C1): a JS number when the value is a safe integer,
 * a bigint otherwise, both ways. avsc's own long refuses anything past 2^53 and its custom
 * long hook (`LongType.__with`) goes through an 8-byte buffer per value; this type reads and
 * writes the zigzag varint itself, in double arithmetic while it is exact (every value below
 * 2^53, timestamps of our time included) and in BigInt only beyond.
 */

type Tap = { buf: Buffer; pos: number; readLong(): number; writeLong(n: number): void };

const TWO_POW_28 = 268_435_456;
const TWO_POW_53 = 9_007_199_254_740_992;
/** |v| up to 2^52 zigzags to at most 2^53: exact in doubles, which avsc's writeLong uses past 2^30. */
const FAST_WRITE_LIMIT = 4_503_599_627_370_496;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

function isInt64(value: unknown): value is number | bigint {
  if (typeof value === 'number') return Number.isSafeInteger(value);
  return typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX;
}

/** A bigint that fits a safe integer becomes a number: one value, one JS form. */
function normalize(value: bigint): number | bigint {
  return value >= SAFE_MIN && value <= SAFE_MAX ? Number(value) : value;
}

function readVarint(tap: Tap): number | bigint {
  const buf = tap.buf;
  const start = tap.pos;
  let pos = start;
  let b: number;
  let n = 0;
  let k = 0;
  do {
    b = buf[pos++] as number;
    n |= (b & 0x7f) << k;
    k += 7;
  } while (b & 0x80 && k < 28);
  if (!(b & 0x80)) {
    tap.pos = pos;
    return (n >> 1) ^ -(n & 1);
  }
  // Each term is a 7-bit group times a power of two: the sum is exact while it stays below 2^53,
  // and a sum that is not exact is at least 2^53, so the test below never takes a rounded value.
  let f = n;
  let fk = TWO_POW_28;
  do {
    b = buf[pos++] as number;
    f += (b & 0x7f) * fk;
    fk *= 128;
  } while (b & 0x80);
  if (f < TWO_POW_53) {
    tap.pos = pos;
    return f % 2 ? -(f + 1) / 2 : f / 2;
  }
  let z = 0n;
  let shift = 0n;
  for (pos = start; ; shift += 7n) {
    b = buf[pos++] as number;
    z |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  tap.pos = pos;
  z = BigInt.asUintN(64, z);
  return normalize((z >> 1n) ^ -(z & 1n));
}

function writeVarint(tap: Tap, value: number | bigint): void {
  if (typeof value === 'number' && value <= FAST_WRITE_LIMIT && value >= -FAST_WRITE_LIMIT) {
    tap.writeLong(value);
    return;
  }
  const v = BigInt(value);
  let z = BigInt.asUintN(64, v >= 0n ? v << 1n : ((-v) << 1n) - 1n);
  const buf = tap.buf;
  // A write past the end of the buffer is dropped by the typed array; avsc sees pos past the end and grows it.
  while (z >= 0x80n) {
    buf[tap.pos++] = Number(z & 0x7fn) | 0x80;
    z >>= 7n;
  }
  buf[tap.pos++] = Number(z);
}

const methods = {
  isValid: isInt64,
  compare: (a: number | bigint, b: number | bigint) => (a < b ? -1 : a > b ? 1 : 0),
  fromJSON: (json: unknown) => {
    if (typeof json === 'bigint') return normalize(json);
    if (typeof json === 'string') return normalize(BigInt(json));
    return json;
  },
  toJSON: (value: number | bigint) => value,
  // 8-byte little-endian two's complement, used by avsc's own path only (reading and writing are below).
  fromBuffer: (buf: Buffer) => normalize(buf.readBigInt64LE(0)),
  toBuffer: (value: number | bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(value));
    return buf;
  },
};

/** avsc's AbstractLongType, the base of `LongType.__with` types: its resolution and checks, our varint. */
const AbstractLongType = Object.getPrototypeOf(avro.types.LongType.__with(methods)).constructor as new (noUnpack?: boolean) => avro.types.LongType;

class Int64Type extends AbstractLongType {
  _read(tap: Tap): number | bigint {
    return readVarint(tap);
  }

  _write(tap: Tap, value: unknown): void {
    if (!isInt64(value)) throw new Error(`invalid "long": ${typeof value === 'bigint' ? `${value}n` : JSON.stringify(value)}`);
    writeVarint(tap, value);
  }
}
Object.assign(Int64Type.prototype, {
  _isValid: methods.isValid,
  _fromJSON: methods.fromJSON,
  _toJSON: methods.toJSON,
  _fromBuffer: methods.fromBuffer,
  _toBuffer: methods.toBuffer,
  compare: methods.compare,
});

/** The one int64 long type: it has no state, so every schema shares it. */
export const INT64_TYPE: avro.Type = Object.freeze(new Int64Type());

type LogicalTypes = Record<string, unknown>;

/**
 * An avsc `typeHook` that compiles every `long` of a schema as INT64_TYPE, also the long under
 * a logical type (`timestamp-micros`…): avsc asks the hook first for the logical schema (left to
 * avsc, which builds the logical type) and then again for the same schema object while
 * building its underlying type (INT64_TYPE then).
 */
export function int64TypeHook(logicalTypes: LogicalTypes): (schema: avro.Schema) => avro.Type | undefined {
  const asked = new WeakSet<object>();
  return (schema) => {
    if (schema === 'long') return INT64_TYPE;
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
    const { type, logicalType } = schema as { type?: unknown; logicalType?: unknown };
    if (type !== 'long') return undefined;
    if (typeof logicalType === 'string' && logicalTypes[logicalType] && !asked.has(schema)) {
      asked.add(schema);
      return undefined;
    }
    return INT64_TYPE;
  };
}

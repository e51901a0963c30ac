import avro from 'avsc';
import { DataError, daysToIsoDate, isoToMicros, microsToIso, microsToLocalIso, microsToTimeOfDay } from '@buyonline/connect-api';

const DECIMAL_TEXT = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** Parses a decimal string into its unscaled integer at `scale`, refusing silent rounding. */
export function decimalToUnscaled(text: string, precision: number, scale: number): bigint {
  const match = DECIMAL_TEXT.exec(text.trim());
  if (!match) throw new DataError(`"${text}" is not a decimal number`);
  const [, sign, whole = '0', fraction = ''] = match;
  if (fraction.length > scale && /[1-9]/.test(fraction.slice(scale))) {
    throw new DataError(`"${text}" has more than ${scale} decimal places`);
  }
  const digits = (whole + fraction.slice(0, scale).padEnd(scale, '0')).replace(/^0+(?=\d)/, '');
  if (digits.replace(/^0+/, '').length > precision) {
    throw new DataError(`"${text}" does not fit decimal(${precision},${scale})`);
  }
  const unscaled = BigInt(digits);
  return sign === '-' ? -unscaled : unscaled;
}

/** Formats an unscaled integer as a decimal string with exactly `scale` decimal places. */
export function unscaledToDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** Big-endian two's complement, the Avro decimal encoding. */
export function bigintToTwosComplement(value: bigint, size?: number): Buffer {
  let bytes = 1;
  while (value < -(1n << BigInt(bytes * 8 - 1)) || value >= 1n << BigInt(bytes * 8 - 1)) bytes++;
  const length = size ?? bytes;
  if (bytes > length) throw new DataError(`decimal needs ${bytes} bytes, the fixed type has ${length}`);
  const buf = Buffer.alloc(length);
  let rest = BigInt.asUintN(length * 8, value);
  for (let i = length - 1; i >= 0; i--) {
    buf[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return buf;
}

/** Below 10^15 every unscaled value is an exact Number (2^53 ≈ 9.007·10^15). */
const EXACT_DIGITS = 15;

/**
 * The unscaled value of a plain decimal text (`-123.45`: an optional sign, digits, optionally a
 * dot and digits) when it has at most 15 significant digits and no non-zero digit past `scale`,
 * or undefined for anything else, which decimalToUnscaled reads (and refuses as it does).
 */
function smallUnscaled(text: string, precision: number, scale: number): number | undefined {
  const length = text.length;
  let i = 0;
  const first = text.charCodeAt(0);
  if (first === 45 || first === 43) i = 1;
  let value = 0;
  let significant = 0;
  let whole = 0;
  for (let d = text.charCodeAt(i) - 48; i < length && d >= 0 && d <= 9; d = text.charCodeAt(++i) - 48) {
    if (significant > 0 || d !== 0) significant++;
    value = value * 10 + d;
    whole++;
  }
  if (whole === 0) return undefined;
  let places = 0;
  if (i < length) {
    if (text.charCodeAt(i) !== 46) return undefined;
    for (let d = text.charCodeAt(++i) - 48; i < length && d >= 0 && d <= 9; d = text.charCodeAt(++i) - 48) {
      if (places < scale) {
        if (significant > 0 || d !== 0) significant++;
        value = value * 10 + d;
      } else if (d !== 0) return undefined;
      places++;
    }
    if (places === 0 || i < length) return undefined;
  }
  for (; places < scale && significant <= EXACT_DIGITS; places++) {
    if (significant > 0) significant++;
    value *= 10;
  }
  if (significant > EXACT_DIGITS || significant > precision) return undefined;
  return first === 45 && value !== 0 ? -value : value;
}

/** Big-endian two's complement of a safe integer: the same bytes as bigintToTwosComplement. */
function numberToTwosComplement(value: number, size?: number): Buffer {
  let bytes = 1;
  let limit = 128;
  while (value < -limit || value >= limit) {
    bytes++;
    limit *= 256;
  }
  const length = size ?? bytes;
  if (bytes > length) throw new DataError(`decimal needs ${bytes} bytes, the fixed type has ${length}`);
  const buf = Buffer.allocUnsafe(length);
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    const high = Math.floor(rest / 256);
    buf[i] = rest - high * 256;
    rest = high;
  }
  return buf;
}

/** A decimal text as Avro's bytes (at most 15 significant digits without BigInt): decimalToUnscaled, then bigintToTwosComplement. */
function decimalToTwosComplement(text: string, precision: number, scale: number, size?: number): Buffer {
  const small = smallUnscaled(text, precision, scale);
  if (small !== undefined) return numberToTwosComplement(small, size);
  return bigintToTwosComplement(decimalToUnscaled(text, precision, scale), size);
}

export function twosComplementToBigint(buf: Buffer): bigint {
  if (buf.length === 0) return 0n;
  let value = 0n;
  for (const byte of buf) value = (value << 8n) | BigInt(byte);
  return BigInt.asIntN(buf.length * 8, value);
}

/** Avro's decimal bytes at `scale` as text: decodes up to 6 bytes without BigInt; twosComplementToBigint, then unscaledToDecimal. */
function twosComplementToDecimal(buf: Buffer, scale: number): string {
  if (buf.length === 0 || buf.length > 6) return unscaledToDecimal(twosComplementToBigint(buf), scale);
  const unscaled = buf.readIntBE(0, buf.length);
  const negative = unscaled < 0;
  const digits = String(negative ? -unscaled : unscaled).padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

interface DecimalAttrs {
  precision?: number;
  scale?: number;
}

/** Avro `decimal` ↔ an exact decimal string ("-12.30"): never a float. */
class DecimalType extends avro.types.LogicalType {
  private readonly precision: number;
  private readonly scale: number;
  private readonly fixedSize: number | undefined;

  constructor(schema: avro.Schema, opts?: avro.ForSchemaOptions) {
    super(schema, opts);
    const attrs = schema as DecimalAttrs;
    this.precision = attrs.precision ?? 38;
    this.scale = attrs.scale ?? 0;
    const underlying = this.underlyingType as unknown as { typeName: string; size?: number };
    this.fixedSize = underlying.typeName === 'fixed' ? underlying.size : undefined;
  }

  override _fromValue(value: Buffer): string {
    return twosComplementToDecimal(value, this.scale);
  }

  override _toValue(value: unknown): Buffer {
    const text = typeof value === 'number' || typeof value === 'bigint' ? String(value) : value;
    if (typeof text !== 'string') throw new DataError(`decimal expects a string, got ${typeof value}`);
    return decimalToTwosComplement(text, this.precision, this.scale, this.fixedSize);
  }

  override _resolve(type: avro.Type): ((x: unknown) => unknown) | undefined {
    if (type instanceof DecimalType && type.scale === this.scale) return (x) => x;
    return undefined;
  }
}

/** int64 microseconds as the wire carries them (contract C1): a number when safe, a bigint beyond 2^53. */
function micros(value: unknown, logicalType: string): number | bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'bigint') return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
  throw new DataError(`${logicalType} expects whole microseconds (a safe integer or a bigint), got ${String(value)}`);
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** `timestamp-micros` as microseconds since the epoch (an ISO string with a zone is read too). */
class TimestampMicrosNumberType extends avro.types.LogicalType {
  override _fromValue(value: number | bigint): number | bigint | string {
    return value;
  }
  override _toValue(value: unknown): number | bigint {
    if (typeof value === 'string') return isoToMicros(value);
    return micros(value, 'timestamp-micros');
  }
}

/** `timestamp-micros` decoded straight to its JSON form, `YYYY-MM-DDTHH:MM:SS.ffffffZ` over PostgreSQL's whole range. */
class TimestampMicrosIsoType extends TimestampMicrosNumberType {
  override _fromValue(value: number | bigint): string {
    return microsToIso(value);
  }
}

/** `date` (days since the epoch) decoded to `YYYY-MM-DD` as PostgreSQL prints it (more year digits past 9999, ` BC`, `infinity`). */
class DateIsoType extends avro.types.LogicalType {
  override _fromValue(value: number): string {
    return daysToIsoDate(value);
  }
  override _toValue(value: unknown): number {
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return Math.round(Date.parse(`${value}T00:00:00Z`) / 86_400_000);
    throw new DataError(`date expects days since the epoch, got ${String(value)}`);
  }
}

/** `time-micros` decoded to `HH:MM:SS.ffffff` (PostgreSQL's `24:00:00`, the end of the day, kept). */
class TimeMicrosIsoType extends avro.types.LogicalType {
  override _fromValue(value: number | bigint): string {
    return microsToTimeOfDay(value);
  }
  override _toValue(value: unknown): number | bigint {
    return micros(value, 'time-micros');
  }
}

/** `local-timestamp-micros` decoded to `YYYY-MM-DDTHH:MM:SS.ffffff` (a wall-clock time, no zone) over PostgreSQL's whole range. */
class LocalTimestampMicrosIsoType extends avro.types.LogicalType {
  override _fromValue(value: number | bigint): string {
    return microsToLocalIso(value);
  }
  override _toValue(value: unknown): number | bigint {
    return micros(value, 'local-timestamp-micros');
  }
}

type LogicalTypeCtor = new (schema: avro.Schema, opts?: avro.ForSchemaOptions) => avro.types.LogicalType;

/** Logical types for producing: decimals as strings, timestamps as µs numbers. */
export const wireLogicalTypes: Record<string, LogicalTypeCtor> = {
  decimal: DecimalType,
  'timestamp-micros': TimestampMicrosNumberType,
};

/** Logical types for sinks that write JSON: decimals as strings, timestamps as ISO strings. */
export const jsonLogicalTypes: Record<string, LogicalTypeCtor> = {
  decimal: DecimalType,
  'timestamp-micros': TimestampMicrosIsoType,
  date: DateIsoType,
  'time-micros': TimeMicrosIsoType,
  'local-timestamp-micros': LocalTimestampMicrosIsoType,
};

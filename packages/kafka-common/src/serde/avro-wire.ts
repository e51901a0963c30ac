import { DataError } from '@buyonline/connect-api';
import avro from 'avsc';
import { int64TypeHook } from './avro-long.ts';

/** Magic byte 0 and a big-endian schema id: the Confluent wire format's header. */
export const WIRE_HEADER_BYTES = 5;

/**
 * Records are encoded straight into a slab and handed out as views of it, as Buffer.allocUnsafe
 * cuts small buffers from its pool, but without the copy from a scratch buffer (and the view the
 * copy makes): one object per record. A slab is never written twice (each view keeps its bytes);
 * a record that does not fit what is left gets a new slab, at least as large as itself.
 */
const SLAB_BYTES = 64 * 1024;
let slab = Buffer.allocUnsafe(SLAB_BYTES);
/** Bytes of the slab already handed out. */
let used = 0;

/**
 * The Confluent-framed Avro bytes of `value` (magic byte, schema id, body), encoded straight
 * with the schema's compiled avsc type: no schema text is built, parsed or looked up per
 * record. A value the type cannot encode is a DataError naming the field and what it expected.
 */
export function encodeFramed(type: avro.Type, schemaId: number, value: unknown): Buffer {
  let end: number;
  try {
    for (;;) {
      end = type.encode(value, slab, used + WIRE_HEADER_BYTES);
      if (end >= 0) break;
      // A negative result is how many bytes were missing: the record needs what was left and those.
      const needed = slab.length - used - end;
      slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, needed));
      used = 0;
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(invalidValueMessage(type, value) ?? (err as Error).message, { cause: err });
  }
  const out = slab.subarray(used, end);
  used = end;
  out[0] = 0;
  out.writeInt32BE(schemaId, 1);
  return out;
}

/** The schema id of a Confluent-framed payload; a DataError when it is not framed. */
export function framedSchemaId(payload: Buffer, role: string): number {
  if (payload.length < WIRE_HEADER_BYTES || payload[0] !== 0) {
    throw new DataError(`${role} is not in the Confluent Avro wire format (magic byte 0 + schema id)`);
  }
  return payload.readInt32BE(1);
}

/** The value of a framed payload, decoded with the writer's type; bytes that do not fit it are a DataError. */
export function decodeFramed(type: avro.Type, payload: Buffer): unknown {
  // fromBuffer refuses trailing bytes, so a payload written with another schema rarely slips through.
  return type.fromBuffer(payload.subarray(WIRE_HEADER_BYTES));
}

/** Where and why `value` does not fit `type`, as the registry client's serializer words it. */
function invalidValueMessage(type: avro.Type, value: unknown): string | undefined {
  let message: string | undefined;
  type.isValid(value, {
    errorHook: (path, any, expected) => {
      const at = path.join('.') || '(root)';
      const reason = logicalTypeReason(expected, any);
      message ??= reason ? `Invalid message at ${at}: ${reason}` : `Invalid message at ${at}, expected ${String(expected)}, got ${describe(any)}`;
    },
  });
  return message;
}

/** Why a logical type (or a nullable one) refused the value, in its own words (a decimal with too many places…). */
function logicalTypeReason(expected: avro.Type, value: unknown): string | undefined {
  const branches = (expected as { types?: avro.Type[] }).types ?? [expected];
  for (const branch of branches) {
    if (!(branch instanceof avro.types.LogicalType)) continue;
    try {
      branch.toBuffer(value);
    } catch (err) {
      if (err instanceof DataError) return err.message;
    }
  }
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A schema's compiled avsc type, with the logical types given (every named type in its own
 * registry) and every `long` over all 64 bits (avro-long.ts): what the producer serializes with
 * and what the consumer deserializes with.
 */
export function compileAvroType(text: string, logicalTypes: Record<string, new (schema: avro.Schema, opts?: avro.ForSchemaOptions) => avro.types.LogicalType>): avro.Type {
  return avro.Type.forSchema(JSON.parse(text) as avro.Schema, { logicalTypes, registry: {}, typeHook: int64TypeHook(logicalTypes) });
}

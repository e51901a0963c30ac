import type avro from 'avsc';
import type { AvroSchema } from '@buyonline/connect-api';
import { ConnectionError, DataError } from '@buyonline/connect-api';
import { jsonLogicalTypes } from './avro-logical-types.ts';
import { compileAvroType, decodeFramed, framedSchemaId } from './avro-wire.ts';
import { type RegistryClient, type SubjectRole, subjectFor } from './registry-client.ts';
import { classifyRegistryError, SCHEMA_NOT_FOUND } from './registry-errors.ts';

/**
 * Deserializes Confluent-framed Avro into JSON-ready values (decimals and timestamps as strings).
 * The writer's schema is fetched from the registry once per schema id and compiled; a record
 * is then decoded with that type directly, without a registry call or any schema work.
 *
 * Poison (DataError, dead-lettered by the sink) is only: bytes that are not Confluent-framed,
 * a schema id that the answering registry says does not exist (error code 40403), or bytes
 * that do not decode with the schema the registry returned. Anything else from the registry
 * (no answer, timeout, 5xx, 401/403/429, a 404 that is not the registry's, any other
 * answer) is a ConnectionError: the caller waits and asks again (failed lookups are not
 * cached, so the next call reaches the registry).
 */
export class AvroJsonDeserializer {
  private readonly types = new Map<number, avro.Type>();
  private readonly schemas = new Map<number, AvroSchema>();
  private readonly pending = new Map<number, Promise<avro.Type>>();

  constructor(private readonly client: RegistryClient) {}

  /** The decoded value when the payload's schema is known already (no registry call, no promise); undefined otherwise. */
  deserializeKnown(role: SubjectRole, payload: Buffer): { value: unknown; schemaId: number } | undefined {
    const schemaId = framedSchemaId(payload, role);
    const type = this.types.get(schemaId);
    return type ? { value: decodeWith(type, role, schemaId, payload), schemaId } : undefined;
  }

  /** The parsed writer schema of an id already read (the same object every time), for sinks that map fields to columns. */
  schemaOf(schemaId: number): AvroSchema | undefined {
    return this.schemas.get(schemaId);
  }

  async deserialize(topic: string, role: SubjectRole, payload: Buffer): Promise<{ value: unknown; schemaId: number }> {
    const known = this.deserializeKnown(role, payload);
    if (known) return known;
    const schemaId = framedSchemaId(payload, role);
    const type = await this.writerType(topic, role, schemaId);
    return { value: decodeWith(type, role, schemaId, payload), schemaId };
  }

  private writerType(topic: string, role: SubjectRole, schemaId: number): Promise<avro.Type> {
    let pending = this.pending.get(schemaId);
    if (!pending) {
      pending = this.fetch(topic, role, schemaId).finally(() => this.pending.delete(schemaId));
      this.pending.set(schemaId, pending);
    }
    return pending;
  }

  private async fetch(topic: string, role: SubjectRole, schemaId: number): Promise<avro.Type> {
    let text: string;
    try {
      const info = await this.client.getBySubjectAndId(subjectFor(topic, role), schemaId);
      text = info.schema;
    } catch (err) {
      const failure = classifyRegistryError(err);
      if (failure.kind === 'not-found' && failure.errorCode === SCHEMA_NOT_FOUND) {
        throw new DataError(`cannot deserialize ${role}: schema id ${schemaId} does not exist in the registry (${(err as Error).message})`, {
          cause: err,
        });
      }
      if (failure.kind === 'not-registry') {
        throw new DataError(`cannot deserialize ${role} with schema id ${schemaId}: ${(err as Error).message}`, { cause: err });
      }
      const why = failure.kind === 'unavailable' ? failure.reason : failure.kind === 'not-found' ? `error code ${failure.errorCode}` : `HTTP ${failure.status}`;
      throw new ConnectionError(`schema registry unavailable while reading schema ${schemaId} (${why}): ${(err as Error).message}`, { cause: err });
    }
    let type: avro.Type;
    try {
      type = compileAvroType(text, jsonLogicalTypes);
    } catch (err) {
      throw new DataError(`cannot deserialize ${role}: schema id ${schemaId} is not a valid Avro schema (${(err as Error).message})`, { cause: err });
    }
    this.types.set(schemaId, type);
    this.schemas.set(schemaId, JSON.parse(text) as AvroSchema);
    return type;
  }
}

function decodeWith(type: avro.Type, role: SubjectRole, schemaId: number, payload: Buffer): unknown {
  try {
    return decodeFramed(type, payload);
  } catch (err) {
    throw new DataError(`cannot deserialize ${role} with schema id ${schemaId}: ${(err as Error).message}`, { cause: err });
  }
}

import {
  AvroDeserializer,
  AvroSerializer,
  SchemaRegistryClient,
  SerdeType,
  SubjectNameStrategyType,
} from '@confluentinc/schemaregistry';
import { jsonLogicalTypes, wireLogicalTypes } from './avro-logical-types.ts';
import type { AvroSchema } from './connector-api.ts';
import { ConnectionError, DataError, SchemaCompatibilityError } from './errors.ts';
import { describeSchemaChange } from './schema-diff.ts';

export type SubjectRole = 'key' | 'value';

export function subjectFor(topic: string, role: SubjectRole): string {
  return `${topic}-${role}`;
}

export function createRegistryClient(url: string): SchemaRegistryClient {
  return new SchemaRegistryClient({ baseURLs: [url], cacheCapacity: 1000 });
}

function isNotFound(err: unknown): boolean {
  const status = (err as { status?: number }).status;
  return status === 404;
}

function httpStatus(err: unknown): number | undefined {
  return (err as { status?: number }).status;
}

interface RegisteredSerializer {
  id: number;
  serializer: AvroSerializer;
}

/**
 * Registers schemas explicitly (never infers them from objects) and serializes records in
 * the Confluent wire format. Before a new schema version is registered, the registry is
 * asked whether it is compatible; an incompatible change stops the producer.
 */
export class AvroProducerSerde {
  private readonly registered = new Map<string, Promise<RegisteredSerializer>>();

  constructor(private readonly client: SchemaRegistryClient) {}

  async serialize(topic: string, role: SubjectRole, schema: AvroSchema, value: unknown): Promise<Buffer> {
    const { serializer } = await this.ensureRegistered(topic, role, schema);
    try {
      return await serializer.serialize(topic, value);
    } catch (err) {
      if (err instanceof DataError) throw err;
      throw new DataError(`cannot serialize ${role} for topic ${topic}: ${(err as Error).message}`, { cause: err });
    }
  }

  ensureRegistered(topic: string, role: SubjectRole, schema: AvroSchema): Promise<RegisteredSerializer> {
    const subject = subjectFor(topic, role);
    const text = JSON.stringify(schema);
    const cacheKey = `${subject}\u0000${text}`;
    let entry = this.registered.get(cacheKey);
    if (!entry) {
      entry = this.register(subject, role, text);
      entry.catch(() => this.registered.delete(cacheKey));
      this.registered.set(cacheKey, entry);
    }
    return entry;
  }

  private async register(subject: string, role: SubjectRole, text: string): Promise<RegisteredSerializer> {
    const info = { schemaType: 'AVRO', schema: text };
    let id: number;
    try {
      id = await this.client.getId(subject, info);
    } catch (err) {
      if (!isNotFound(err)) throw registryError(subject, err);
      await this.checkCompatible(subject, text);
      try {
        id = await this.client.register(subject, info);
      } catch (registerErr) {
        if (httpStatus(registerErr) === 409) {
          throw new SchemaCompatibilityError(
            `schema registry rejected the new schema for ${subject}: ${(registerErr as Error).message}`,
            { cause: registerErr },
          );
        }
        throw registryError(subject, registerErr);
      }
    }
    const serializer = new AvroSerializer(this.client, role === 'key' ? SerdeType.KEY : SerdeType.VALUE, {
      useSchemaId: id,
      autoRegisterSchemas: false,
      subjectNameStrategyType: SubjectNameStrategyType.TOPIC,
      logicalTypes: wireLogicalTypes,
    });
    return { id, serializer };
  }

  private async checkCompatible(subject: string, text: string): Promise<void> {
    let latestVersion: number;
    let latestText = '{}';
    try {
      const latest = await this.client.getLatestSchemaMetadata(subject);
      latestVersion = latest.version ?? 1;
      latestText = latest.schema ?? '{}';
    } catch (err) {
      if (isNotFound(err)) return; // first version of the subject
      throw registryError(subject, err);
    }
    let compatible: boolean;
    try {
      compatible = await this.client.testCompatibility(subject, latestVersion, { schemaType: 'AVRO', schema: text });
    } catch (err) {
      throw registryError(subject, err);
    }
    if (!compatible) {
      const changes = describeSchemaChange(latestText, text);
      throw new SchemaCompatibilityError(
        `the new schema for ${subject} is not compatible with version ${latestVersion} under the subject's compatibility rule` +
          `${changes.length ? ` (${changes.join('; ')})` : ''}; nothing was produced with it`,
      );
    }
  }
}

function registryError(subject: string, err: unknown): Error {
  const status = httpStatus(err);
  if (status !== undefined && status >= 400 && status < 500) {
    return new DataError(`schema registry refused ${subject} (HTTP ${status}): ${(err as Error).message}`, { cause: err });
  }
  return new ConnectionError(`schema registry unreachable for ${subject}: ${(err as Error).message}`, { cause: err });
}

/** Deserializes Confluent-framed Avro into JSON-ready values (decimals and timestamps as strings). */
export class AvroJsonDeserializer {
  private readonly keys: AvroDeserializer;
  private readonly values: AvroDeserializer;

  constructor(client: SchemaRegistryClient) {
    const conf = { subjectNameStrategyType: SubjectNameStrategyType.TOPIC, logicalTypes: jsonLogicalTypes };
    this.keys = new AvroDeserializer(client, SerdeType.KEY, conf);
    this.values = new AvroDeserializer(client, SerdeType.VALUE, conf);
  }

  async deserialize(topic: string, role: SubjectRole, payload: Buffer): Promise<{ value: unknown; schemaId: number }> {
    if (payload.length < 5 || payload[0] !== 0) {
      throw new DataError(`${role} is not in the Confluent Avro wire format (magic byte 0 + schema id)`);
    }
    const schemaId = payload.readInt32BE(1);
    try {
      const value = await (role === 'key' ? this.keys : this.values).deserialize(topic, payload);
      return { value, schemaId };
    } catch (err) {
      const status = httpStatus(err);
      if (status === undefined || status === 404 || status === 422) {
        throw new DataError(`cannot deserialize ${role} with schema id ${schemaId}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      throw new ConnectionError(`schema registry unreachable while reading schema ${schemaId}`, { cause: err });
    }
  }
}

import type { AvroSchema } from '@buyonline/connect-api';
import { ConnectionError, DataError, SchemaCompatibilityError } from '@buyonline/connect-api';
import type avro from 'avsc';
import { wireLogicalTypes } from './avro-logical-types.ts';
import { compileAvroType, encodeFramed } from './avro-wire.ts';
import { RegistryAvailability, type RegistryRetryOptions } from './registry-availability.ts';
import { type RegistryClient, type SubjectRole, subjectFor } from './registry-client.ts';
import { classifyRegistryError } from './registry-errors.ts';
import { describeSchemaChange } from './schema-diff.ts';

/** The registry answered that the subject (or the schema under it) is not registered. */
function isNotRegistered(err: unknown): boolean {
  return classifyRegistryError(err).kind === 'not-found';
}

interface RegisteredSerializer {
  id: number;
  /** The schema compiled once: records are encoded with it directly. */
  type: avro.Type;
}

/** Per schema object (by identity), per topic: what is registered. */
type RegisteredBySchema = WeakMap<AvroSchema, Map<string, RegisteredSerializer>>;

/**
 * Registers schemas explicitly (never infers them from objects) and serializes records in
 * the Confluent wire format. Before a new schema version is registered, the registry is
 * asked whether it is compatible; an incompatible change stops the producer.
 *
 * The registry client registers, checks compatibility and looks ids up; a record itself is
 * encoded with the schema's compiled type, found by the schema object's identity: the
 * per-record path renders, parses and hashes no schema text (a source builds a schema object
 * once per table shape).
 *
 * A registry outage (no answer, timeout, 5xx, 401/403/429, a 404 that is not the registry's)
 * is a ConnectionError, waited out inside `serialize` when RegistryRetryOptions are given,
 * else thrown for the caller to back off: the record is neither dead-lettered nor skipped.
 * Only a value Avro cannot encode is a DataError.
 */
export class AvroProducerSerde {
  private readonly registered = new Map<string, Promise<RegisteredSerializer>>();
  private readonly known: Record<SubjectRole, RegisteredBySchema> = { key: new WeakMap(), value: new WeakMap() };
  private readonly availability: RegistryAvailability;

  constructor(
    private readonly client: RegistryClient,
    retry?: RegistryRetryOptions,
  ) {
    this.availability = new RegistryAvailability(retry);
  }

  /** False while the last registry call found the registry unavailable. */
  registryAvailable(): boolean {
    return this.availability.available;
  }

  /**
   * The record's bytes when this schema object is already registered for the topic (no
   * registry call, no promise); undefined when `serialize` must register it first.
   */
  serializeKnown(topic: string, role: SubjectRole, schema: AvroSchema, value: unknown): Buffer | undefined {
    const entry = this.known[role].get(schema)?.get(topic);
    return entry ? this.encode(topic, role, entry, value) : undefined;
  }

  async serialize(topic: string, role: SubjectRole, schema: AvroSchema, value: unknown): Promise<Buffer> {
    const known = this.serializeKnown(topic, role, schema, value);
    if (known) return known;
    return this.encode(topic, role, await this.makeKnown(topic, role, schema), value);
  }

  /** Registers the schema for the topic (waiting out a registry outage when retries are configured): `serializeKnown` then encodes with it. */
  makeKnown(topic: string, role: SubjectRole, schema: AvroSchema): Promise<RegisteredSerializer> {
    return this.availability.retry(`serialize ${role} for ${topic}`, () => this.ensureRegistered(topic, role, schema));
  }

  private encode(topic: string, role: SubjectRole, entry: RegisteredSerializer, value: unknown): Buffer {
    try {
      return encodeFramed(entry.type, entry.id, value);
    } catch (err) {
      throw new DataError(`cannot serialize ${role} for topic ${topic}: ${(err as Error).message}`, { cause: err });
    }
  }

  async ensureRegistered(topic: string, role: SubjectRole, schema: AvroSchema): Promise<RegisteredSerializer> {
    const subject = subjectFor(topic, role);
    const text = JSON.stringify(schema);
    const cacheKey = `${subject}\u0000${text}`;
    let entry = this.registered.get(cacheKey);
    if (!entry) {
      entry = this.register(subject, text);
      entry.catch(() => this.registered.delete(cacheKey));
      this.registered.set(cacheKey, entry);
    }
    const registered = await entry;
    const byTopic = this.known[role].get(schema) ?? new Map<string, RegisteredSerializer>();
    byTopic.set(topic, registered);
    this.known[role].set(schema, byTopic);
    return registered;
  }

  private async register(subject: string, text: string): Promise<RegisteredSerializer> {
    const info = { schemaType: 'AVRO', schema: text };
    let id: number;
    try {
      id = await this.client.getId(subject, info);
    } catch (err) {
      if (!isNotRegistered(err)) throw registryError(subject, err);
      await this.checkCompatible(subject, text);
      try {
        id = await this.client.register(subject, info);
      } catch (registerErr) {
        throw registryError(subject, registerErr);
      }
    }
    return { id, type: compileAvroType(text, wireLogicalTypes) };
  }

  private async checkCompatible(subject: string, text: string): Promise<void> {
    let latestVersion: number;
    let latestText = '{}';
    try {
      const latest = await this.client.getLatestSchemaMetadata(subject);
      latestVersion = latest.version ?? 1;
      latestText = latest.schema ?? '{}';
    } catch (err) {
      if (isNotRegistered(err)) return; // first version of the subject
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

/**
 * A failed registry call of the producer: an outage is a ConnectionError (waited out); a
 * refusal by the registry itself (409 incompatible, 422 invalid schema…) stops the producer
 * before anything is produced with the schema. Neither is the fault of one record, so
 * neither is a DataError: no row is dead-lettered because of the registry.
 */
function registryError(subject: string, err: unknown): Error {
  const failure = classifyRegistryError(err);
  const message = (err as Error).message;
  if (failure.kind === 'rejected') {
    return new SchemaCompatibilityError(
      `schema registry refused the schema for ${subject} (HTTP ${failure.status}, error code ${failure.errorCode}): ${message}`,
      { cause: err },
    );
  }
  const why = failure.kind === 'unavailable' ? failure.reason : failure.kind === 'not-found' ? `error code ${failure.errorCode}` : 'unexpected error';
  return new ConnectionError(`schema registry unavailable for ${subject} (${why}): ${message}`, { cause: err });
}

// The client alone: the package's index also loads every rule executor and KMS driver (AWS, Azure, GCP, Vault SDKs), which we never use.
import { SchemaRegistryClient } from '@confluentinc/schemaregistry/dist/schemaregistry-client.js';
import type avro from 'avsc';
import { jsonLogicalTypes, wireLogicalTypes } from './avro-logical-types.ts';
import { compileAvroType, decodeFramed, encodeFramed, framedSchemaId } from './avro-wire.ts';
import { Backoff, sleep } from '@buyonline/connect-api';
import type { AvroSchema, Logger, Metrics } from '@buyonline/connect-api';
import { ConnectionError, DataError, describeError, isRetriable, SchemaCompatibilityError } from '@buyonline/connect-api';
import { classifyRegistryError, SCHEMA_NOT_FOUND } from './registry-errors.ts';
import { describeSchemaChange } from './schema-diff.ts';

export type SubjectRole = 'key' | 'value';

export function subjectFor(topic: string, role: SubjectRole): string {
  return `${topic}-${role}`;
}

/** How long one registry request may take before it counts as an outage. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * A client that gives up on a request after REQUEST_TIMEOUT_MS (axios' default is never) and
 * retries a failed request only briefly itself: the callers wait out longer outages with their
 * own backoff, so that they can log them, report them and stop on shutdown. Successful answers
 * only are cached, so a call after a failure really asks the registry again.
 */
export function createRegistryClient(url: string, options: { timeoutMs?: number } = {}): SchemaRegistryClient {
  return new SchemaRegistryClient({
    baseURLs: [url],
    cacheCapacity: 1000,
    createAxiosDefaults: { timeout: options.timeoutMs ?? REQUEST_TIMEOUT_MS },
    maxRetries: 1,
    retriesWaitMs: 200,
    retriesMaxWaitMs: 1000,
  });
}

/** The registry answered that the subject (or the schema under it) is not registered. */
function isNotRegistered(err: unknown): boolean {
  return classifyRegistryError(err).kind === 'not-found';
}

/**
 * How a serde waits out a registry outage itself: until the registry answers again or
 * `signal` aborts (then the ConnectionError is thrown), logging each wait and keeping the
 * `schema_registry_available` gauge (1 or 0) up to date. Without these options an outage is
 * thrown at once as a (retriable) ConnectionError, for a caller that backs off itself.
 */
export interface RegistryRetryOptions {
  signal?: AbortSignal;
  logger?: Logger;
  metrics?: Metrics;
  /** First wait; doubles (with jitter) up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** Registry availability as the last call saw it, shared by the serdes of one worker. */
class RegistryAvailability {
  private down = false;

  constructor(private readonly options: RegistryRetryOptions | undefined) {}

  get available(): boolean {
    return !this.down;
  }

  /** Runs `call` until it succeeds or fails with something else than an outage. */
  async retry<T>(what: string, call: () => Promise<T>): Promise<T> {
    const { signal, logger, metrics } = this.options ?? {};
    const backoff = new Backoff(this.options?.baseDelayMs ?? 500, this.options?.maxDelayMs ?? 30_000);
    for (;;) {
      try {
        const result = await call();
        if (this.down) {
          this.down = false;
          metrics?.gauge('schema_registry_available', 1);
          logger?.info({ what }, 'schema registry answers again');
        }
        return result;
      } catch (err) {
        if (!isRetriable(err)) throw err;
        if (!this.down) {
          this.down = true;
          metrics?.gauge('schema_registry_available', 0);
        }
        if (!this.options || signal?.aborted) throw err;
        metrics?.count('schema_registry_retries_total');
        const wait = backoff.next();
        logger?.warn({ what, err: describeError(err), retryInMs: wait }, 'schema registry unavailable; waiting (nothing is dead-lettered for it)');
        await sleep(wait, signal);
        if (signal?.aborted) throw err;
      }
    }
  }
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
    private readonly client: SchemaRegistryClient,
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
    const entry = await this.availability.retry(`serialize ${role} for ${topic}`, () => this.ensureRegistered(topic, role, schema));
    return this.encode(topic, role, entry, value);
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

  constructor(private readonly client: SchemaRegistryClient) {}

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

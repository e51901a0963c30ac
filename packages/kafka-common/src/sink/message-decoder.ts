import { Backoff, describeError, isRetriable, type Logger, type SinkRecord, sleep } from '@buyonline/connect-api';
import { asBuffer, type ConsumedMessage } from './sink-dead-letter.ts';
import type { AvroJsonDeserializer } from '../serde/avro-json-deserializer.ts';

/**
 * A consumed message → a SinkRecord (Avro → JSON through the schema registry). While the
 * registry does not answer it waits and tries again (the record is not skipped, so nothing is
 * committed past it) and says so through `waitingOnOutage`; a record that cannot be decoded
 * throws a DataError (the caller dead-letters it).
 */
export class MessageDecoder {
  private outage = false;

  constructor(
    private readonly deserializer: Pick<AvroJsonDeserializer, 'deserialize' | 'deserializeKnown'> & Partial<Pick<AvroJsonDeserializer, 'schemaOf'>>,
    private readonly log: Logger,
  ) {}

  /** Records wait on an outage (the schema registry does not answer). */
  get waitingOnOutage(): boolean {
    return this.outage;
  }

  /**
   * The record when the schemas of its key and value are known already: decoded on the spot,
   * without a promise. Undefined when `decode` must ask the registry first. Throws a DataError
   * for bytes that do not decode.
   */
  decodeKnown(m: ConsumedMessage): SinkRecord | undefined {
    let key: unknown = null;
    if (m.key) {
      const decoded = this.deserializer.deserializeKnown('key', asBuffer(m.key));
      if (!decoded) return undefined;
      key = decoded.value;
    }
    if (!m.value) return sinkRecord(m, key, null, undefined);
    const decoded = this.deserializer.deserializeKnown('value', m.value);
    return decoded ? this.withSchema(sinkRecord(m, key, decoded.value, decoded.schemaId)) : undefined;
  }

  /** The value's writer schema on the record (one shared object per schema id), for sinks that map fields to columns. */
  private withSchema(record: SinkRecord): SinkRecord {
    if (record.schemaId !== undefined) {
      const schema = this.deserializer.schemaOf?.(record.schemaId);
      if (schema) record.valueSchema = schema;
    }
    return record;
  }

  async decode(m: ConsumedMessage, signal: AbortSignal): Promise<SinkRecord> {
    const backoff = new Backoff();
    for (;;) {
      try {
        let key: unknown = null;
        if (m.key) {
          const bytes = asBuffer(m.key);
          key = (this.deserializer.deserializeKnown('key', bytes) ?? (await this.deserializer.deserialize(m.topic, 'key', bytes))).value;
        }
        let value: unknown = null;
        let schemaId: number | undefined;
        if (m.value) {
          const decoded = this.deserializer.deserializeKnown('value', m.value) ?? (await this.deserializer.deserialize(m.topic, 'value', m.value));
          value = decoded.value;
          schemaId = decoded.schemaId;
        }
        this.outage = false;
        return this.withSchema(sinkRecord(m, key, value, schemaId));
      } catch (err) {
        if (!isRetriable(err) || signal.aborted) throw err;
        this.outage = true;
        const wait = backoff.next();
        this.log.warn({ err: describeError(err), retryInMs: wait }, 'schema registry unavailable, retrying');
        await sleep(wait, signal);
      }
    }
  }
}

function sinkRecord(m: ConsumedMessage, key: unknown, value: unknown, schemaId: number | undefined): SinkRecord {
  const record: SinkRecord = { topic: m.topic, partition: m.partition, offset: String(m.offset), timestampMs: m.timestamp ?? 0, key, value };
  if (schemaId !== undefined) record.schemaId = schemaId;
  return record;
}

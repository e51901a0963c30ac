import type { KafkaConfig } from './config.ts';
import type { OffsetReader, SourceOffset, SourcePartition } from './connector-api.ts';
import { ConnectionError } from './errors.ts';
import { connectRaw, consumeRaw, createKafka, createRawConsumer, disconnectRaw, watermarks } from './kafka-clients.ts';
import { noopContext } from './testing.ts';

const silentLogger = noopContext().logger;

/** The offsets-topic key of a source partition, as Kafka Connect writes it: [connector, partition]. */
export function offsetKey(connector: string, partition: SourcePartition): string {
  const sorted = Object.fromEntries(Object.entries(partition).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.stringify([connector, sorted]);
}

export class SourceOffsets implements OffsetReader {
  constructor(
    private readonly connector: string,
    private readonly offsets: ReadonlyMap<string, SourceOffset>,
  ) {}

  offset(partition: SourcePartition): SourceOffset | undefined {
    return this.offsets.get(offsetKey(this.connector, partition));
  }

  get size(): number {
    return this.offsets.size;
  }
}

/**
 * Reads a compacted offsets topic to its end with read_committed, so only positions whose
 * Kafka transaction committed count. Call it after the transactional producer has
 * initialised (which aborts a crashed predecessor's open transaction), else the read waits
 * for that transaction to time out.
 */
export async function readSourceOffsets(
  kafka: KafkaConfig,
  topic: string,
  connector: string,
  timeoutMs = 120_000,
): Promise<SourceOffsets> {
  const consumer = createRawConsumer(kafka, {
    'group.id': `${kafka.clientId}-offsets-reader`,
    'enable.partition.eof': true,
  });
  const offsets = new Map<string, SourceOffset>();
  await connectRaw(consumer);
  try {
    const { low, high } = await watermarks(consumer, topic, 0);
    if (high <= low) return new SourceOffsets(connector, offsets);
    consumer.assign([{ topic, partition: 0, offset: low }]);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const messages = await consumeRaw(consumer, 1000);
      for (const m of messages) {
        if (!m.key) continue;
        const key = m.key.toString();
        let parsed: unknown;
        try {
          parsed = JSON.parse(key);
        } catch {
          continue; // not ours: the offsets topic may be shared with other tools
        }
        if (!Array.isArray(parsed) || parsed[0] !== connector) continue;
        if (m.value === null || m.value === undefined) offsets.delete(key);
        else offsets.set(key, JSON.parse(m.value.toString()) as SourceOffset);
      }
      const position = consumer.position([{ topic, partition: 0 }])[0]?.offset ?? -1;
      if (position >= high) break;
      if (Date.now() > deadline) {
        throw new ConnectionError(
          `timed out reading offsets topic ${topic} (position ${position}, end ${high}); is a transaction still open?`,
        );
      }
    }
  } finally {
    await disconnectRaw(consumer);
  }
  return new SourceOffsets(connector, offsets);
}

/**
 * Deletes a source partition's stored position (a tombstone in the offsets topic), inside a
 * transaction of the connector's own transactional id, so a running producer is fenced.
 */
export async function clearSourceOffset(
  kafka: KafkaConfig,
  topic: string,
  connector: string,
  partition: SourcePartition,
  transactionalId: string,
): Promise<void> {
  const client = createKafka(kafka, silentLogger);
  const producer = client.producer({ kafkaJS: { transactionalId, idempotent: true } });
  await producer.connect();
  try {
    const tx = await producer.transaction();
    try {
      await tx.send({ topic, messages: [{ key: offsetKey(connector, partition), value: null }] });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
  } finally {
    await producer.disconnect();
  }
}

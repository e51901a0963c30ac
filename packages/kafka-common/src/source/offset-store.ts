import { offsetKey } from './offset-key.ts';
import { pipelineTransactionalIds } from './producer-settings.ts';
import type { KafkaConfig } from '../shared/kafka-config.ts';
import type { Logger, OffsetReader, SourceOffset, SourcePartition } from '@buyonline/connect-api';
import { ConnectionError } from '@buyonline/connect-api';
import { connectRaw, consumeRaw, createKafka, createRawConsumer, disconnectRaw, topicPartitions, watermarks } from '../shared/kafka-clients.ts';

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
 * Reads a compacted offsets topic, every partition to its end, with read_committed, so only
 * positions whose Kafka transaction committed count. Within a partition the later record of a
 * key wins; a key found in several partitions (the topic's partition count was changed, so
 * the key moved) takes its latest record by timestamp. Call it after the transactional
 * producer has initialised (which aborts a crashed predecessor's open transaction), else the
 * read waits for that transaction to time out.
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
  const latest = new Map<string, { value: SourceOffset | null; partition: number; timestamp: number }>();
  await connectRaw(consumer);
  try {
    const ends = new Map<number, number>();
    const assignment: { topic: string; partition: number; offset: number }[] = [];
    for (const partition of await topicPartitions(consumer, topic)) {
      const { low, high } = await watermarks(consumer, topic, partition);
      if (high <= low) continue;
      ends.set(partition, high);
      assignment.push({ topic, partition, offset: low });
    }
    if (assignment.length > 0) consumer.assign(assignment);
    const deadline = Date.now() + timeoutMs;
    while (ends.size > 0) {
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
        const entry = {
          value: m.value === null || m.value === undefined ? null : (JSON.parse(m.value.toString()) as SourceOffset),
          partition: m.partition,
          timestamp: m.timestamp ?? 0,
        };
        const previous = latest.get(key);
        if (!previous || previous.partition === entry.partition || entry.timestamp >= previous.timestamp) latest.set(key, entry);
      }
      const positions = consumer.position([...ends.keys()].map((partition) => ({ topic, partition })));
      for (const { partition, offset } of positions) {
        if (offset >= (ends.get(partition) ?? 0)) ends.delete(partition);
      }
      if (ends.size > 0 && Date.now() > deadline) {
        const behind = positions.filter((p) => ends.has(p.partition)).map((p) => `[${p.partition}] at ${p.offset}, end ${ends.get(p.partition)}`);
        throw new ConnectionError(`timed out reading offsets topic ${topic} (${behind.join('; ')}); is a transaction still open?`);
      }
    }
  } finally {
    await disconnectRaw(consumer);
  }
  const offsets = new Map<string, SourceOffset>();
  for (const [key, { value }] of latest) if (value !== null) offsets.set(key, value);
  return new SourceOffsets(connector, offsets);
}

/**
 * Deletes a source partition's stored position (a tombstone in the offsets topic), inside a
 * transaction of the connector's own transactional id, so a running producer is fenced (on
 * its second id too: it runs two transactions at a time). The Kafka client logs to `log`.
 */
export async function clearSourceOffset(
  kafka: KafkaConfig,
  topic: string,
  connector: string,
  partition: SourcePartition,
  transactionalId: string,
  log: Logger,
): Promise<void> {
  const client = createKafka(kafka, log);
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
  // Initialising the second id fences it as well, and aborts what it had open.
  const [, second] = pipelineTransactionalIds(transactionalId);
  const fence = client.producer({ kafkaJS: { transactionalId: second, idempotent: true } });
  await fence.connect();
  await fence.disconnect();
}

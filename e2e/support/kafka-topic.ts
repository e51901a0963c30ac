import kafkaJavascript, { type KafkaConsumer, type Message } from '@confluentinc/kafka-javascript';
import { DataError } from '@buyonline/connect-api';
import { topicDecoder } from '@buyonline/kafka-common/testing';

const { KafkaConsumer: RawConsumer, KafkaJS } = kafkaJavascript;

export interface TopicRecord {
  partition: number;
  offset: number;
  key: unknown;
  value: unknown;
  headers: Record<string, string>;
  rawValue: Buffer | null;
  /** The payload could not be decoded (a poison message). */
  undecodable: boolean;
  /** The record's timestamp (the producer's create time, ms), when it has one. */
  timestamp: number | undefined;
}

function call<T>(fn: (cb: (err: unknown, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

/**
 * Retries what a partition leader moving (a topic just created, a broker electing) fails with for
 * a while, like any client would: seen once as "Broker: Not leader for partition" on a watermark
 * query right after the pipeline created its topic.
 */
async function whileLeaderMoves<T>(read: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await read();
    } catch (err) {
      const e = err as { isRetriable?: boolean; message?: string };
      const moving = e.isRetriable === true || /leader|unknown (topic|partition)/i.test(e.message ?? '');
      if (!moving || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * Reads a whole topic (read_committed unless asked: read_uncommitted also sees the records of a
 * Kafka transaction still open) independently of the pipeline, decoding Avro when asked.
 */
export async function readTopic(
  brokers: string,
  topic: string,
  registryUrl?: string,
  isolation: 'read_committed' | 'read_uncommitted' = 'read_committed',
): Promise<TopicRecord[]> {
  const consumer: KafkaConsumer = new RawConsumer(
    { 'metadata.broker.list': brokers, 'group.id': `e2e-reader-${process.pid}`, 'enable.auto.commit': false, 'isolation.level': isolation },
    {},
  );
  await call<unknown>((cb) => consumer.connect({ timeout: 10_000 }, (err, data) => cb(err, data)));
  const deserializer = registryUrl ? topicDecoder(registryUrl) : undefined;
  const out: TopicRecord[] = [];
  try {
    const metadata = await call<kafkaJavascript.Metadata>((cb) => consumer.getMetadata({ topic, timeout: 10_000 }, (err, data) => cb(err, data)));
    const partitions = metadata.topics.find((t) => t.name === topic)?.partitions.map((p) => p.id) ?? [];
    const ends = new Map<number, number>();
    for (const p of partitions) {
      const w = await whileLeaderMoves(() => call<{ highOffset: number }>((cb) => consumer.queryWatermarkOffsets(topic, p, 10_000, (err, data) => cb(err, data))));
      ends.set(p, w.highOffset);
    }
    const todo = partitions.filter((p) => (ends.get(p) ?? 0) > 0);
    if (todo.length === 0) return out;
    consumer.assign(todo.map((p) => ({ topic, partition: p, offset: 0 })));
    const deadline = Date.now() + 120_000;
    for (;;) {
      const batch = await call<Message[]>((cb) => consumer.consume(1000, (err, data) => cb(err, data)));
      for (const m of batch) {
        const headers: Record<string, string> = {};
        for (const h of m.headers ?? []) for (const [k, v] of Object.entries(h)) headers[k] = Buffer.from(v as Buffer).toString();
        let key: unknown = m.key?.toString() ?? null;
        let value: unknown = null;
        let undecodable = false;
        if (deserializer) {
          try {
            if (m.key) key = (await deserializer.deserialize(topic, 'key', m.key as Buffer)).value;
            if (m.value) value = (await deserializer.deserialize(topic, 'value', m.value)).value;
          } catch (err) {
            if (!(err instanceof DataError)) throw err;
            undecodable = true;
            value = null;
          }
        }
        out.push({ partition: m.partition, offset: m.offset, key, value, headers, rawValue: m.value ?? null, undecodable, timestamp: m.timestamp });
      }
      const positions = consumer.position(todo.map((p) => ({ topic, partition: p })));
      if (positions.every((p) => p.offset !== undefined && p.offset >= (ends.get(p.partition) ?? 0))) break;
      if (Date.now() > deadline) throw new Error(`timed out reading ${topic}`);
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return out;
}

/** Writes raw (non-Avro) bytes to a topic: a poison message. */
export async function producePoison(brokers: string, topic: string, key: string, value: Buffer, partition = 0): Promise<void> {
  const producer = new KafkaJS.Kafka({ kafkaJS: { brokers: brokers.split(','), logLevel: KafkaJS.logLevel.ERROR } }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key, value, partition }] });
  } finally {
    await producer.disconnect();
  }
}

/** Creates topics that hold no record (end offset 0), and `deleteTopics` removes them again. */
export async function createTopics(brokers: string, topics: readonly string[], numPartitions = 3): Promise<void> {
  const admin = new KafkaJS.Kafka({ kafkaJS: { brokers: brokers.split(','), logLevel: KafkaJS.logLevel.ERROR } }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions })) });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(brokers: string, topics: readonly string[]): Promise<void> {
  const admin = new KafkaJS.Kafka({ kafkaJS: { brokers: brokers.split(','), logLevel: KafkaJS.logLevel.ERROR } }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [...topics] });
  } finally {
    await admin.disconnect();
  }
}

/** The names of the topics that start with `prefix`. */
export async function listTopics(brokers: string, prefix: string): Promise<string[]> {
  const admin = new KafkaJS.Kafka({ kafkaJS: { brokers: brokers.split(','), logLevel: KafkaJS.logLevel.ERROR } }).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
  } finally {
    await admin.disconnect();
  }
}

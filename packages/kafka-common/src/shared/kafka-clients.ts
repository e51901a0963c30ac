import kafkaJavascript, { type KafkaConsumer } from '@confluentinc/kafka-javascript';
import type { KafkaJS } from '@confluentinc/kafka-javascript';

// The addon is CommonJS: take its members from the default export (works under Node ESM and bundles).
const { KafkaJS: KafkaJSRuntime, KafkaConsumer: KafkaConsumerRuntime } = kafkaJavascript;
import type { KafkaConfig } from './kafka-config.ts';
import type { Logger } from '@buyonline/connect-api';
import { CdcError, ConnectionError } from '@buyonline/connect-api';

export type Producer = KafkaJS.Producer;

function kafkaJsLogger(logger: Logger): KafkaJS.Logger {
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, extra?: object) =>
    logger[level]({ ...extra, component: 'kafka' }, message);
  const self: KafkaJS.Logger = {
    info: log('info'),
    error: log('error'),
    warn: log('warn'),
    debug: log('debug'),
    namespace: () => self,
    setLogLevel: () => undefined,
  };
  return self;
}

export function createKafka(config: KafkaConfig, logger: Logger): KafkaJS.Kafka {
  return new KafkaJSRuntime.Kafka({
    kafkaJS: {
      brokers: config.brokers,
      clientId: config.clientId,
      logger: kafkaJsLogger(logger),
      logLevel: KafkaJSRuntime.logLevel.WARN,
    },
  });
}

/** Native consumer (librdkafka API): used where we need positions, assignment offsets and EOF. */
export function createRawConsumer(
  config: KafkaConfig,
  settings: Record<string, unknown>,
): KafkaConsumer {
  return new KafkaConsumerRuntime(
    {
      'metadata.broker.list': config.brokers.join(','),
      'client.id': config.clientId,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'isolation.level': 'read_committed',
      ...settings,
    } as ConstructorParameters<typeof KafkaConsumer>[0],
    // A topic-level property: given in the global conf it is lost once a topic conf is passed.
    { 'auto.offset.reset': 'earliest' },
  );
}

export function connectRaw(consumer: KafkaConsumer, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    consumer.connect({ timeout: timeoutMs }, (err) => {
      if (err) reject(new ConnectionError(`cannot connect to Kafka: ${err.message}`, { cause: err }));
      else resolve();
    });
  });
}

export function disconnectRaw(consumer: KafkaConsumer): Promise<void> {
  return new Promise((resolve) => {
    if (!consumer.isConnected()) return resolve();
    consumer.disconnect(() => resolve());
  });
}

export function consumeRaw(consumer: KafkaConsumer, max: number): Promise<import('@confluentinc/kafka-javascript').Message[]> {
  return new Promise((resolve, reject) => {
    consumer.consume(max, (err, messages) => {
      if (err) {
        // Fatal client errors are not retriable; the rest (unknown topic while it is being
        // created, broker transport errors) are: the caller backs off and consumes again.
        const fatal = (err as { isFatal?: boolean }).isFatal === true;
        reject(new CdcError('CONNECTION_FAILED', `Kafka consume failed: ${err.message}`, { cause: err, retriable: !fatal }));
      }
      else resolve(messages);
    });
  });
}

export function watermarks(consumer: KafkaConsumer, topic: string, partition: number, timeoutMs = 10_000): Promise<{ low: number; high: number }> {
  return new Promise((resolve, reject) => {
    consumer.queryWatermarkOffsets(topic, partition, timeoutMs, (err, offsets) => {
      if (err) reject(new ConnectionError(`cannot read watermarks of ${topic}[${partition}]: ${err.message}`, { cause: err }));
      else resolve({ low: offsets.lowOffset, high: offsets.highOffset });
    });
  });
}

/** The partition numbers of a topic (none when it does not exist). */
export function topicPartitions(consumer: KafkaConsumer, topic: string, timeoutMs = 10_000): Promise<number[]> {
  return new Promise((resolve, reject) => {
    consumer.getMetadata({ topic, timeout: timeoutMs }, (err, metadata) => {
      if (err) reject(new ConnectionError(`cannot read the metadata of ${topic}: ${err.message}`, { cause: err }));
      else resolve((metadata.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => p.id).sort((a, b) => a - b));
    });
  });
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  configEntries?: { name: string; value: string }[];
}

/** Creates the topics that do not exist yet (replication factor from the broker default). */
export async function ensureTopics(client: KafkaJS.Kafka, specs: readonly TopicSpec[]): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.numPartitions,
          ...(s.configEntries ? { configEntries: s.configEntries } : {}),
        })),
      });
    } catch (err) {
      // Another process may have created it between list and create.
      const again = new Set(await admin.listTopics());
      if (missing.some((s) => !again.has(s.topic))) throw err;
    }
    for (const s of missing) await untilPartitionsAnswer(admin, s);
  } finally {
    await admin.disconnect();
  }
}

/** How long a new topic's partitions may take to come online on their leaders. */
const NEW_TOPIC_ONLINE_MS = 30_000;

/**
 * Waits until every partition of a topic just created answers ListOffsets on its leader. The
 * metadata names the leaders before they have brought the partitions online; a produce request
 * then fails with NOT_LEADER_OR_FOLLOWER while the next one in flight succeeds, and librdkafka
 * acknowledges the failed record with the later one without it being written (a partition new to
 * the producer takes any first sequence). Such a record fails its send (NativeTransactionalProducer);
 * waiting here keeps it from happening on new topics.
 */
async function untilPartitionsAnswer(admin: KafkaJS.Admin, spec: TopicSpec): Promise<void> {
  const until = Date.now() + NEW_TOPIC_ONLINE_MS;
  let wait = 20;
  let last: unknown;
  for (;;) {
    try {
      const offsets = await admin.fetchTopicOffsets(spec.topic);
      if (offsets.length >= spec.numPartitions && offsets.every((o) => Number(o.high) >= 0)) return;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= until) {
      throw new ConnectionError(`the partitions of the new topic ${spec.topic} did not come online within ${NEW_TOPIC_ONLINE_MS} ms`, { cause: last });
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 500);
  }
}

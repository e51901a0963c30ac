// Promise wrappers over the native (librdkafka) clients of @confluentinc/kafka-javascript, as
// the limit loops and the bench's own reader use them: nothing of the pipeline's runtime.
import kafkaJavascript, { type IAdminClient, type KafkaConsumer, type Message, type Producer } from '@confluentinc/kafka-javascript';

type Settings = Record<string, string | number | boolean>;

/** A read_committed consumer of a new group, from the earliest offset, committing nothing. */
export function readCommittedConsumer(brokers: string, groupId: string, settings: Settings = {}): KafkaConsumer {
  return new kafkaJavascript.KafkaConsumer(
    {
      'metadata.broker.list': brokers,
      'group.id': groupId,
      'enable.auto.commit': false,
      'isolation.level': 'read_committed',
      ...settings,
    },
    // a topic-level property: in the global conf it is lost once a topic conf is given
    { 'auto.offset.reset': 'earliest' },
  );
}

export function transactionalProducer(brokers: string, transactionalId: string, settings: Settings = {}): Producer {
  return new kafkaJavascript.Producer({ 'metadata.broker.list': brokers, 'transactional.id': transactionalId, dr_cb: false, ...settings });
}

function callback(resolve: () => void, reject: (err: Error) => void, what: string) {
  return (err: unknown) => (err ? reject(new Error(`${what}: ${(err as Error).message}`, { cause: err })) : resolve());
}

export function connect(client: KafkaConsumer | Producer, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    client.connect({ timeout: timeoutMs }, callback(resolve, reject, 'cannot connect to Kafka'));
  });
}

export function disconnect(client: KafkaConsumer | Producer): Promise<void> {
  return new Promise((resolve) => {
    if (!client.isConnected()) return resolve();
    client.disconnect(() => resolve());
  });
}

/** Up to `max` messages; none when the topic has nothing new within the consume timeout. */
export function consume(consumer: KafkaConsumer, max: number): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    consumer.consume(max, (err, messages) => (err ? reject(new Error(`Kafka consume failed: ${err.message}`, { cause: err })) : resolve(messages)));
  });
}

/** Calls one of the producer's transaction methods and waits for it. */
export function transaction(producer: Producer, step: 'initTransactions' | 'beginTransaction' | 'commitTransaction'): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = callback(resolve, reject, `Kafka ${step} failed`);
    if (step === 'beginTransaction') producer.beginTransaction(done);
    else producer[step](30_000, done);
  });
}

export async function withAdmin<T>(brokers: string, use: (admin: IAdminClient) => Promise<T>): Promise<T> {
  const admin = kafkaJavascript.AdminClient.create({ 'metadata.broker.list': brokers });
  try {
    return await use(admin);
  } finally {
    admin.disconnect();
  }
}

export function createTopic(admin: IAdminClient, topic: string, partitions: number, config: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    admin.createTopic({ topic, num_partitions: partitions, replication_factor: 1, config }, 30_000, callback(resolve, reject, `cannot create topic ${topic}`));
  });
}

export function deleteTopic(admin: IAdminClient, topic: string): Promise<void> {
  return new Promise((resolve, reject) => admin.deleteTopic(topic, 30_000, callback(resolve, reject, `cannot delete topic ${topic}`)));
}

export function deleteGroups(admin: IAdminClient, groups: string[]): Promise<void> {
  return new Promise((resolve, reject) => admin.deleteGroups(groups, { timeout: 10_000 }, callback(resolve, reject, 'cannot delete consumer groups')));
}

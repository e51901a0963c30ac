import type { Logger } from '@buyonline/connect-api';
import { createKafka, type KafkaConfig } from '@buyonline/kafka-common';

/**
 * A batch run drains the topics that exist when it starts: a pattern (`^…`, TOPIC_REGEX) becomes
 * the matching topic names (Kafka's internal `__…` topics left out); plain names stay as they are.
 */
export async function topicsAtStart(kafka: KafkaConfig, subscription: readonly string[], logger: Logger): Promise<string[]> {
  const patterns = subscription.filter((t) => t.startsWith('^')).map((t) => new RegExp(t));
  if (patterns.length === 0) return [...subscription];
  const admin = createKafka(kafka, logger).admin();
  await admin.connect();
  try {
    const names = (await admin.listTopics()).filter((name) => !name.startsWith('__') && patterns.some((p) => p.test(name)));
    return [...new Set([...subscription.filter((t) => !t.startsWith('^')), ...names.sort()])];
  } finally {
    await admin.disconnect();
  }
}

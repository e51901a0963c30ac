import type { SourcePartition } from '@buyonline/connect-api';

/**
 * The offsets-topic key of a source partition, as Kafka Connect writes it: [connector, partition].
 * The one format both the positions a transaction writes and the store that reads them back use.
 */
export function offsetKey(connector: string, partition: SourcePartition): string {
  const sorted = Object.fromEntries(Object.entries(partition).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.stringify([connector, sorted]);
}

import type { Metrics, OffsetReader, PluginContext, SourceOffset, SourcePartition } from './connector-api.ts';
import { silentLogger } from './silent-logger.ts';

const noMetrics: Metrics = { count: () => undefined, gauge: () => undefined, observe: () => undefined };

/** A context that logs and measures nothing: for tests and tools (`@buyonline/connect-api/testing`; production code uses `silentLogger`). */
export function noopContext(now: () => number = Date.now): PluginContext {
  return { logger: silentLogger, metrics: noMetrics, now };
}

/** An OffsetReader over fixed positions: a restart "from" these, for tests of a source task. */
export function staticOffsets(entries: readonly (readonly [SourcePartition, SourceOffset])[] = []): OffsetReader {
  const byPartition = new Map(entries.map(([partition, offset]) => [partitionKey(partition), offset]));
  return { offset: (partition) => byPartition.get(partitionKey(partition)) };
}

function partitionKey(partition: SourcePartition): string {
  return JSON.stringify(Object.keys(partition).sort().map((k) => [k, partition[k]]));
}

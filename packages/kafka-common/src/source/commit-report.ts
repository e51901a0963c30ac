import type { PluginContext, RecordMetadata } from '@buyonline/connect-api';
import type { SourceTransaction } from './source-transaction.ts';

/** What the source worker committed so far (`SourceWorker.stats`). */
export interface SourceWorkerStats {
  records: number;
  transactions: number;
  deadLettered: number;
  lastCommitAt: number | null;
}

/** Stats, metrics and status of a committed transaction: counted per transaction, never per record. */
export function reportCommit(
  stats: SourceWorkerStats,
  ctx: Pick<PluginContext, 'metrics' | 'status' | 'now'>,
  tx: Pick<SourceTransaction, 'sent' | 'deadLettered' | 'filtered' | 'topics' | 'deadLetterReasons' | 'started'>,
  metadata: readonly RecordMetadata[],
  sourceTimestamp: number | undefined,
): void {
  const now = ctx.now();
  stats.records += tx.sent;
  stats.transactions++;
  stats.deadLettered += tx.deadLettered;
  stats.lastCommitAt = now;
  for (const [topic, counts] of tx.topics) {
    ctx.metrics.count('source_records_total', counts.records, { topic });
    ctx.metrics.count('source_bytes_total', counts.bytes, { topic });
  }
  for (const [reason, n] of tx.deadLetterReasons) ctx.metrics.count('source_dead_letter_total', n, { reason });
  if (tx.filtered > 0) ctx.metrics.count('source_filtered_total', tx.filtered);
  ctx.metrics.count('source_transactions_total');
  ctx.metrics.observe('source_transaction_seconds', (now - tx.started) / 1000);
  if (sourceTimestamp !== undefined) ctx.metrics.observe('source_commit_latency_seconds', Math.max(0, now - sourceTimestamp) / 1000);
  ctx.metrics.gauge('source_last_commit_timestamp_seconds', now / 1000);
  ctx.status?.report('kafka', 'source-worker', {
    records: stats.records,
    deadLettered: stats.deadLettered,
    lastCommitAt: now,
    ...(metadata.length > 0 ? { lastCommit: describeCommit(metadata) } : tx.topics.size > 0 ? { lastCommit: describeTopics(tx) } : {}),
  });
}

/** Where a commit's records went when the producer does not report offsets: up to three topics, `topic (N records)`. */
function describeTopics(tx: Pick<SourceTransaction, 'topics'>): string {
  const shown = [...tx.topics].slice(0, 3).map(([topic, counts]) => `${topic} (${counts.records} records)`);
  return tx.topics.size > 3 ? `${shown.join(', ')} (+${tx.topics.size - 3})` : shown.join(', ');
}

/** Where a commit's records went: up to three partitions, `topic[partition]@offset` (the transaction's first offset there). */
function describeCommit(metadata: readonly RecordMetadata[]): string {
  const last = new Map<string, string>();
  for (let i = metadata.length - 1; i >= 0 && last.size < 3; i--) {
    const m = metadata[i] as RecordMetadata;
    const partition = `${m.topic}[${m.partition}]`;
    if (!last.has(partition)) last.set(partition, `${partition}@${m.offset}`);
  }
  return [...last.values()].reverse().join(', ');
}

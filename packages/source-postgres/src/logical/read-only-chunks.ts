import type { PluginContext, SourcePartition, SourceRecord } from '@buyonline/connect-api';
import type { ChangeMeta } from '../change-records.ts';
import type { ChangeQueue } from './change-queue.ts';
import type { IncrementalSnapshots } from './incremental-snapshot.ts';
import { compareLsn } from './lsn.ts';
import { offsetAfterChunk, type StreamOffset } from './offsets.ts';
import type { SnapshotProgress } from './snapshot-progress.ts';

/**
 * On a standby, an incremental snapshot's chunk goes out where the stream passes the chunk's high
 * mark (a replay position, nothing written): between source transactions, as a unit of its own
 * that closes with the table's position and the stream's position reached so far. Called only
 * from the stream's own in-order handling, so its records never land inside a source transaction.
 */
export class ReadOnlyChunks {
  /** Everything before this position was handled by the stream (a commit's end or a keepalive's WAL end). */
  private streamedTo: string;

  constructor(
    private readonly options: {
      incremental: IncrementalSnapshots;
      queue: ChangeQueue;
      streamPartition: SourcePartition;
      progress: SnapshotProgress;
      ctx: PluginContext;
    },
    from: string,
  ) {
    this.streamedTo = from;
  }

  /** A transaction that commits at `commitLsn` begins: a chunk whose high mark lies before it goes out first. */
  beforeBegin(commitLsn: string): Promise<void> {
    return this.emitIfPassed(commitLsn, this.streamedTo);
  }

  /** The stream handled everything before `lsn` (a commit's end; a keepalive's WAL end outside a transaction). */
  handledUpTo(lsn: string): Promise<void> {
    if (compareLsn(lsn, this.streamedTo) > 0) this.streamedTo = lsn;
    return this.emitIfPassed(lsn, this.streamedTo);
  }

  private async emitIfPassed(at: string, position: string): Promise<void> {
    const chunk = this.options.incremental.passed(at);
    if (!chunk) return;
    const { table } = chunk;
    const offset: StreamOffset = { phase: 'stream', lsn: position };
    const meta: ChangeMeta = { txid: null, lsn: position, snapshot: true, tsUs: this.options.ctx.now() * 1000, position: JSON.stringify(offset) };
    for (const row of chunk.rows) {
      const record = table.records.read(table.shape, row, offset, meta);
      record.sourcePartition = this.options.streamPartition;
      record.inTransaction = true;
      await this.options.queue.push(record);
    }
    const tableOffset = offsetAfterChunk(table.offset, chunk);
    table.offset = tableOffset;
    const tablePosition: SourceRecord = { topic: table.topic, sourcePartition: table.partition, sourceOffset: tableOffset, keySchema: null, key: null, valueSchema: table.shape.valueSchema, value: null, positionOnly: true };
    const closing: SourceRecord = { ...tablePosition, sourcePartition: this.options.streamPartition, sourceOffset: offset };
    await this.options.queue.end([tablePosition, closing], position);
    this.options.progress.chunk(table.name, chunk.rows.length, 'incremental snapshot');
    if (chunk.lastKey === null) this.options.progress.finished(table.name);
  }
}

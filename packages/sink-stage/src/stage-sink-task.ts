import { FencedError, type PluginContext, type SinkRecord, type SinkTask, type TopicPartitionOffset, type TopicPartitionRef } from '@buyonline/connect-api';
import type { StageSinkConfig } from './config.ts';
import { toStageRow } from './stage-row.ts';
import type { StageStore } from './stage-store.ts';

interface PartitionBuffer {
  topic: string;
  partition: number;
  /** Next offset expected; anything below was written or skipped already. */
  next: number | undefined;
  lines: string[];
  bytes: number;
  firstOffset: number | undefined;
  lastOffset: number | undefined;
  openedAt: number;
  /** Another consumer took the partition over: nothing more is written or committed until it is opened again. */
  fenced: boolean;
}

const keyOf = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * Buffers records per partition and publishes them as one file per offset range. On
 * assignment it reads the stage to find where each partition really ends, so a crash
 * between publishing a file and committing the offset never writes the same offsets twice.
 */
export class StageSinkTask implements SinkTask {
  private readonly partitions = new Map<string, PartitionBuffer>();
  filesWritten = 0;

  constructor(
    private readonly config: StageSinkConfig,
    private readonly store: StageStore,
    private readonly ctx: PluginContext,
  ) {}

  async start(): Promise<void> {
    this.ctx.logger.info({ stage: this.store.describe() }, 'stage sink started');
  }

  async open(partitions: readonly TopicPartitionRef[]): Promise<TopicPartitionOffset[]> {
    const starts: TopicPartitionOffset[] = [];
    for (const { topic, partition } of partitions) {
      const { nextOffset, removedTemps } = await this.store.recover(topic, partition);
      if (removedTemps > 0) this.ctx.logger.warn({ topic, partition, removedTemps }, 'removed temp files left by a crash');
      this.partitions.set(keyOf(topic, partition), {
        topic,
        partition,
        next: nextOffset,
        lines: [],
        bytes: 0,
        firstOffset: undefined,
        lastOffset: undefined,
        openedAt: 0,
        fenced: false,
      });
      if (nextOffset !== undefined) starts.push({ topic, partition, offset: String(nextOffset) });
    }
    return starts;
  }

  async put(records: readonly SinkRecord[]): Promise<void> {
    for (const record of records) {
      const buffer = this.partitions.get(keyOf(record.topic, record.partition));
      if (!buffer || buffer.fenced) continue; // not ours (any more)
      const offset = Number(record.offset);
      if (buffer.next !== undefined && offset < buffer.next) continue;
      buffer.next = offset + 1;
      const row = toStageRow(record);
      if (!row) continue; // tombstone
      const line = `${JSON.stringify(row)}\n`;
      if (buffer.lines.length === 0) {
        buffer.firstOffset = offset;
        buffer.openedAt = this.ctx.now();
      }
      buffer.lines.push(line);
      buffer.bytes += Buffer.byteLength(line);
      buffer.lastOffset = offset;
      if (buffer.lines.length >= this.config.flushRecords || buffer.bytes >= this.config.flushBytes) {
        await this.publish(buffer);
      }
    }
  }

  async tick(): Promise<void> {
    const now = this.ctx.now();
    for (const buffer of this.partitions.values()) {
      if (buffer.lines.length > 0 && now - buffer.openedAt >= this.config.rotateIntervalMs) await this.publish(buffer);
    }
  }

  async flush(): Promise<void> {
    for (const buffer of this.partitions.values()) await this.publish(buffer);
  }

  preCommit(consumed: readonly TopicPartitionOffset[]): TopicPartitionOffset[] {
    const safe: TopicPartitionOffset[] = [];
    for (const c of consumed) {
      const buffer = this.partitions.get(keyOf(c.topic, c.partition));
      if (!buffer || buffer.fenced) continue;
      // Everything before the first buffered record is in published files (or was a
      // tombstone / dead letter): that much is safe. With nothing buffered, all of it is.
      const durable = buffer.firstOffset ?? Number(c.offset);
      safe.push({ topic: c.topic, partition: c.partition, offset: String(Math.min(durable, Number(c.offset))) });
    }
    return safe;
  }

  async close(partitions: readonly TopicPartitionRef[]): Promise<void> {
    for (const { topic, partition } of partitions) {
      const buffer = this.partitions.get(keyOf(topic, partition));
      if (!buffer) continue;
      await this.publish(buffer);
      this.partitions.delete(keyOf(topic, partition));
    }
  }

  async lost(partitions: readonly TopicPartitionRef[]): Promise<void> {
    for (const { topic, partition } of partitions) {
      const buffer = this.partitions.get(keyOf(topic, partition));
      if (!buffer) continue;
      if (buffer.lines.length > 0) {
        this.ctx.logger.warn({ topic, partition, records: buffer.lines.length, from: buffer.firstOffset, to: buffer.lastOffset }, 'assignment lost: buffered records dropped (the new owner reads them again)');
        this.ctx.metrics.count('stage_records_dropped_total', buffer.lines.length);
      }
      this.partitions.delete(keyOf(topic, partition));
    }
  }

  async stop(): Promise<void> {
    this.partitions.clear();
  }

  private async publish(buffer: PartitionBuffer): Promise<void> {
    if (buffer.lines.length === 0 || buffer.firstOffset === undefined || buffer.lastOffset === undefined) return;
    const started = this.ctx.now();
    let path: string;
    try {
      path = await this.store.write(
        { topic: buffer.topic, partition: buffer.partition, startOffset: buffer.firstOffset, endOffset: buffer.lastOffset },
        buffer.lines.join(''),
      );
    } catch (err) {
      if (!(err instanceof FencedError)) throw err;
      // We are the zombie: the group gave the partition to another consumer, which owns the stage's
      // end now. Our buffer is theirs to write; the revoke (or lost assignment) follows.
      this.ctx.logger.warn(
        { topic: buffer.topic, partition: buffer.partition, records: buffer.lines.length, from: buffer.firstOffset, to: buffer.lastOffset, err: err.message },
        'fenced: another consumer owns the partition; buffered records dropped',
      );
      this.ctx.metrics.count('stage_fenced_total');
      this.ctx.metrics.count('stage_records_dropped_total', buffer.lines.length);
      buffer.fenced = true;
      this.clear(buffer);
      return;
    }
    this.ctx.logger.info(
      { path, records: buffer.lines.length, bytes: buffer.bytes, from: buffer.firstOffset, to: buffer.lastOffset },
      'stage file written',
    );
    this.ctx.metrics.count('stage_files_total');
    this.ctx.metrics.count('stage_bytes_total', buffer.bytes);
    this.ctx.metrics.observe('stage_publish_seconds', (this.ctx.now() - started) / 1000);
    this.filesWritten++;
    this.clear(buffer);
  }

  private clear(buffer: PartitionBuffer): void {
    buffer.lines = [];
    buffer.bytes = 0;
    buffer.firstOffset = undefined;
    buffer.lastOffset = undefined;
  }
}

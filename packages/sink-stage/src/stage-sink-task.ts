import { type AvroSchema, describeError, FencedError, type PluginContext, type SinkRecord, type SinkTask, type TopicPartitionOffset, type TopicPartitionRef } from '@buyonline/connect-api';
import type { StageSinkConfig } from './config.ts';
import type { StageFileRef } from './file-naming.ts';
import { LineChunks } from './line-chunks.ts';
import { stageKey, stageNamesOf } from './stage-names.ts';
import { stageLine } from './stage-row.ts';
import type { FileSchema, StageStore } from './stage-store.ts';

/** A file handed to the publisher and not published yet. */
interface PendingFile {
  ref: StageFileRef;
  content: LineChunks;
  /** Kafka timestamp of the file's first record (for the Kafka → stage latency). */
  firstTimestamp: number;
  schema: FileSchema;
}

interface PartitionBuffer {
  topic: string;
  partition: number;
  /** Next offset expected; anything below was written or skipped already. */
  next: number | undefined;
  /** The lines of the partition's next file. */
  content: LineChunks;
  /** The value schemas of the next file's records, each once, and the key's fields (for typed tables). */
  schemas: AvroSchema[];
  keyFields: string[] | undefined;
  firstOffset: number | undefined;
  lastOffset: number | undefined;
  openedAt: number;
  /** Kafka timestamp of the first record of the next file. */
  firstTimestamp: number;
  /** Files written of this partition, and the last one (for `status`). */
  filesWritten: number;
  /** The partition's files waiting for the publisher or being written, oldest first. */
  pending: PendingFile[];
  /** Another consumer took the partition over: nothing more is written or committed until it is opened again. */
  fenced: boolean;
}

/**
 * Full files that may wait for the publisher besides the one it is writing: records go on being
 * buffered while a file is written and fsynced, and a put that fills one more waits for the oldest.
 */
const MAX_QUEUED_FILES = 1;

const keyOf = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * Buffers records per partition and publishes them as one file per offset range. On
 * assignment it reads the stage to find where each partition really ends, so a crash
 * between publishing a file and committing the offset never writes the same offsets twice.
 *
 * A full file is written in the background while the next records are buffered. Files are
 * written one at a time, in the order they filled (so each partition's in offset order), and
 * the store is never called while a write is running. `preCommit` lets an offset go only once
 * every file below it is published. A write that fails stops all later writes and is thrown
 * by the next call of the task (put, tick, flush, open, close, lost); `flush` and `close` wait
 * for the files they hand over.
 */
export class StageSinkTask implements SinkTask {
  private readonly partitions = new Map<string, PartitionBuffer>();
  /** Settles once every file handed over so far is written (or dropped); never rejects. */
  private published: Promise<void> = Promise.resolve();
  /** One promise per file handed over and not yet written, oldest first. */
  private readonly queued: Promise<void>[] = [];
  /** The error of a failed write: nothing is written after it, and every call throws it. */
  private failure: { error: unknown; thrown: boolean } | undefined;
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
    await this.published;
    this.throwIfFailed();
    const starts: TopicPartitionOffset[] = [];
    for (const { topic, partition } of partitions) {
      const { nextOffset, removedTemps } = await this.store.recover(topic, partition);
      if (removedTemps > 0) this.ctx.logger.warn({ topic, partition, removedTemps }, 'removed temp files left by a crash');
      this.partitions.set(keyOf(topic, partition), {
        topic,
        partition,
        next: nextOffset,
        content: new LineChunks(),
        schemas: [],
        keyFields: undefined,
        firstOffset: undefined,
        lastOffset: undefined,
        openedAt: 0,
        firstTimestamp: 0,
        filesWritten: 0,
        pending: [],
        fenced: false,
      });
      if (nextOffset !== undefined) starts.push({ topic, partition, offset: String(nextOffset) });
    }
    return starts;
  }

  async put(records: readonly SinkRecord[]): Promise<void> {
    this.throwIfFailed();
    const { flushRecords, flushBytes } = this.config;
    // Records come in runs of one partition: look the buffer up when the partition changes.
    let topic: string | undefined;
    let partition = -1;
    let buffer: PartitionBuffer | undefined;
    for (const record of records) {
      if (record.partition !== partition || record.topic !== topic) {
        topic = record.topic;
        partition = record.partition;
        buffer = this.partitions.get(keyOf(topic, partition));
      }
      if (!buffer || buffer.fenced) continue; // not ours (any more)
      const offset = Number(record.offset);
      if (buffer.next !== undefined && offset < buffer.next) continue;
      buffer.next = offset + 1;
      const line = stageLine(record, offset);
      if (line === undefined) continue; // tombstone
      const content = buffer.content;
      if (content.lines === 0) {
        buffer.firstOffset = offset;
        buffer.openedAt = this.ctx.now();
        buffer.firstTimestamp = record.timestampMs;
      }
      content.appendLine(line);
      const schema = record.valueSchema;
      if (schema !== undefined && buffer.schemas.at(-1) !== schema && !buffer.schemas.includes(schema)) buffer.schemas.push(schema);
      // The key's fields as the lines name them (stage-names.ts).
      if (buffer.keyFields === undefined && record.key !== null && typeof record.key === 'object') buffer.keyFields = Object.keys(stageKey(record.key, stageNamesOf(schema)) as object);
      buffer.lastOffset = offset;
      if (content.lines >= flushRecords || content.bytes >= flushBytes) {
        this.handOver(buffer);
        await this.belowQueueLimit();
        this.throwIfFailed();
      }
    }
  }

  async tick(): Promise<void> {
    this.throwIfFailed();
    const now = this.ctx.now();
    for (const buffer of this.partitions.values()) {
      if (buffer.content.lines > 0 && now - buffer.openedAt >= this.config.rotateIntervalMs) {
        this.handOver(buffer);
        await this.belowQueueLimit();
        this.throwIfFailed();
      }
    }
  }

  async flush(): Promise<void> {
    for (const buffer of this.partitions.values()) this.handOver(buffer);
    await this.whenWritten();
  }

  /** Waits until every file handed over so far is written (or dropped, fenced), and throws the write that failed, if one did. */
  async whenWritten(): Promise<void> {
    await this.published;
    this.throwIfFailed();
  }

  preCommit(consumed: readonly TopicPartitionOffset[]): TopicPartitionOffset[] {
    const safe: TopicPartitionOffset[] = [];
    for (const c of consumed) {
      const buffer = this.partitions.get(keyOf(c.topic, c.partition));
      if (!buffer || buffer.fenced) continue;
      // Everything before the first record of the oldest file not published yet (being written,
      // waiting, or still buffered) is in published files, or was a tombstone / dead letter:
      // that much is safe. With nothing pending or buffered, all of it is.
      const durable = buffer.pending[0]?.ref.startOffset ?? buffer.firstOffset ?? Number(c.offset);
      safe.push({ topic: c.topic, partition: c.partition, offset: String(Math.min(durable, Number(c.offset))) });
    }
    return safe;
  }

  async close(partitions: readonly TopicPartitionRef[]): Promise<void> {
    for (const { topic, partition } of partitions) {
      const buffer = this.partitions.get(keyOf(topic, partition));
      if (buffer) this.handOver(buffer);
    }
    await this.whenWritten();
    for (const { topic, partition } of partitions) this.partitions.delete(keyOf(topic, partition));
  }

  async lost(partitions: readonly TopicPartitionRef[]): Promise<void> {
    // A file handed over before the loss is written as it would have been had the task waited
    // for it (the publication chain fences it if the new owner got there first); nothing later is.
    await this.published;
    for (const { topic, partition } of partitions) {
      const buffer = this.partitions.get(keyOf(topic, partition));
      if (!buffer) continue;
      const records = buffer.content.lines;
      if (records > 0) {
        this.ctx.logger.warn({ topic, partition, records, from: buffer.firstOffset, to: buffer.lastOffset }, 'assignment lost: buffered records dropped (the new owner reads them again)');
        this.ctx.metrics.count('stage_records_dropped_total', records);
      }
      this.partitions.delete(keyOf(topic, partition));
    }
    this.throwIfFailed();
  }

  async stop(): Promise<void> {
    await this.published;
    // Stopped on another error (flush throws a failed write on the way out otherwise): still said.
    if (this.failure && !this.failure.thrown) this.ctx.logger.error({ err: describeError(this.failure.error) }, 'a stage file could not be written');
    this.partitions.clear();
  }

  private throwIfFailed(): void {
    if (!this.failure) return;
    this.failure.thrown = true;
    throw this.failure.error;
  }

  /** Waits while more files are queued than the limit (the oldest finishing first). */
  private async belowQueueLimit(): Promise<void> {
    while (this.queued.length > MAX_QUEUED_FILES + 1) await this.queued[0];
  }

  /** Hands the buffered lines to the publisher as one file, written after every file handed over before it. */
  private handOver(buffer: PartitionBuffer): void {
    if (buffer.content.lines === 0 || buffer.firstOffset === undefined || buffer.lastOffset === undefined) return;
    const file: PendingFile = {
      ref: { topic: buffer.topic, partition: buffer.partition, startOffset: buffer.firstOffset, endOffset: buffer.lastOffset },
      content: buffer.content,
      firstTimestamp: buffer.firstTimestamp,
      schema: buffer.keyFields === undefined ? { valueSchemas: buffer.schemas } : { valueSchemas: buffer.schemas, keyFields: buffer.keyFields },
    };
    buffer.pending.push(file);
    this.clear(buffer);
    const written = this.published
      .then(() => this.publish(buffer, file))
      .catch((err: unknown) => {
        this.failure ??= { error: err, thrown: false };
      });
    this.published = written;
    this.queued.push(written);
    void written.then(() => this.queued.shift());
  }

  /** Writes one file; a failure is kept for the next call of the task to throw. */
  private async publish(buffer: PartitionBuffer, file: PendingFile): Promise<void> {
    if (this.failure) return; // nothing after a failed file: it stays pending, so preCommit holds before it
    if (buffer.fenced) return; // dropped, and counted, when the partition was fenced
    const { ref, content } = file;
    const started = this.ctx.now();
    try {
      const path = await this.store.write(ref, content.chunks(), file.schema);
      if (buffer.pending[0] === file) buffer.pending.shift();
      this.ctx.logger.info({ path, records: content.lines, bytes: content.bytes, from: ref.startOffset, to: ref.endOffset }, 'stage file written');
      this.ctx.metrics.count('stage_files_total');
      this.ctx.metrics.count('stage_bytes_total', content.bytes);
      const written = this.ctx.now();
      this.ctx.metrics.observe('stage_publish_seconds', (written - started) / 1000);
      // the file's first record waited longest: Kafka append → buffered → file fsynced and renamed
      this.ctx.metrics.observe('stage_latency_seconds', Math.max(0, written - file.firstTimestamp) / 1000);
      this.filesWritten++;
      buffer.filesWritten++;
      this.ctx.status?.report('partition', `${ref.topic}[${ref.partition}]`, { filesWritten: buffer.filesWritten, lastFile: path });
    } catch (err) {
      if (err instanceof FencedError) this.fence(buffer, err);
      else this.failure = { error: err, thrown: false };
    }
  }

  /**
   * We are the zombie: the group gave the partition to another consumer, which owns the stage's
   * end now. What we hold of it is theirs to write; the revoke (or lost assignment) follows.
   */
  private fence(buffer: PartitionBuffer, err: FencedError): void {
    const files = [...buffer.pending.map((f) => f.content), buffer.content];
    const records = files.reduce((sum, c) => sum + c.lines, 0);
    this.ctx.logger.warn(
      { topic: buffer.topic, partition: buffer.partition, records, from: buffer.pending[0]?.ref.startOffset, to: buffer.lastOffset ?? buffer.pending.at(-1)?.ref.endOffset, err: err.message },
      'fenced: another consumer owns the partition; buffered records dropped',
    );
    this.ctx.metrics.count('stage_fenced_total');
    this.ctx.metrics.count('stage_records_dropped_total', records);
    buffer.fenced = true;
    buffer.pending = [];
    this.clear(buffer);
  }

  private clear(buffer: PartitionBuffer): void {
    buffer.content = new LineChunks();
    buffer.schemas = [];
    buffer.keyFields = undefined;
    buffer.firstOffset = undefined;
    buffer.lastOffset = undefined;
  }
}

import type { z } from 'zod';
import type { MetricSpec, StatusReporter } from './status.ts';

/** Structured logger handed to plugins (pino-compatible subset). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Metrics handed to plugins; apps back it with Prometheus. */
export interface Metrics {
  count(name: string, value?: number, labels?: Record<string, string>): void;
  gauge(name: string, value: number, labels?: Record<string, string>): void;
  observe(name: string, value: number, labels?: Record<string, string>): void;
}

export interface PluginContext {
  logger: Logger;
  metrics: Metrics;
  /** Milliseconds since the epoch; injectable for tests. */
  now(): number;
  /** Where a task reports its phase and progress for `status` (absent: nothing is kept). */
  status?: StatusReporter;
}

/** Avro schema as parsed JSON (an .avsc document). */
export type AvroSchema = Record<string, unknown>;

export type SourcePartition = Record<string, string>;
export type SourceOffset = Record<string, string | number | boolean | null>;

/**
 * One change, as a source produces it. `sourcePartition` + `sourceOffset` are what a
 * restart resumes from; the worker stores them in the offsets topic in the same Kafka
 * transaction as the record itself.
 */
export interface SourceRecord {
  topic: string;
  sourcePartition: SourcePartition;
  sourceOffset: SourceOffset;
  /** Null for a source without keys (a table without a primary key): then `key` is null too. */
  keySchema: AvroSchema | null;
  /** null produces a record without a key. */
  key: unknown;
  valueSchema: AvroSchema;
  /** null produces a tombstone. */
  value: unknown;
  timestampMs?: number;
  headers?: Record<string, string>;
  /** Set when the source could not convert the row: the record goes to the dead-letter topic with this reason. */
  failure?: { code: string; message: string };
  /**
   * More records of the same source transaction follow: the worker keeps its Kafka transaction
   * open and stores no position for this record (a huge source transaction streams through one
   * Kafka transaction without being held in memory).
   */
  inTransaction?: boolean;
  /**
   * Nothing is produced for this record: it only carries a position to store (the end of a
   * source transaction whose records came before it, or the end of a snapshot).
   */
  positionOnly?: boolean;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: string;
}

/** Reads back the last committed position of a source partition. */
export interface OffsetReader {
  offset(partition: SourcePartition): SourceOffset | undefined;
}

export interface SourceTask {
  /** Connects and resumes from the committed positions. */
  start(offsets: OffsetReader): Promise<void>;
  /**
   * Returns the next batch (possibly empty after waiting a while); honours the signal. The
   * worker polls the next batch while the previous one commits: a poll does not mean that
   * what came before it is in Kafka.
   */
  poll(signal: AbortSignal): Promise<SourceRecord[]>;
  /**
   * Called, in order, once a Kafka transaction closed by the batch polled last and everything
   * before it has committed: `records` holds that batch's last record (the same object; the
   * worker keeps no more of a batch while its transaction commits, and earlier batches of the
   * same transaction are not repeated); `metadata` says where the transaction's records went.
   * A log-based source acknowledges its position here, never earlier, and never the position
   * of a batch polled after `records`.
   */
  commit(records: readonly SourceRecord[], metadata: readonly RecordMetadata[]): Promise<void>;
  stop(): Promise<void>;
}

/** A record as the sink sees it: deserialized, with its Kafka coordinates. */
export interface SinkRecord {
  topic: string;
  partition: number;
  offset: string;
  timestampMs: number;
  /** The deserialized key (Avro logical types already in their JSON form). */
  key: unknown;
  /** The deserialized value, null for a tombstone. */
  value: unknown;
  schemaId?: number;
  /** The value's writer schema (the registry's, parsed; one object per schema id), when the value has one. */
  valueSchema?: AvroSchema;
}

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartitionRef {
  /** The next offset to read (Kafka's convention for committed offsets). */
  offset: string;
}

export interface SinkTask {
  start(): Promise<void>;
  /**
   * Partitions were assigned. Returns where to start reading each of them when the
   * sink knows better than the group's committed offset (recovery from the stage).
   */
  open(partitions: readonly TopicPartitionRef[]): Promise<TopicPartitionOffset[]>;
  put(records: readonly SinkRecord[]): Promise<void>;
  /** Flushes whatever rotation rules say is due (called periodically, also when idle). */
  tick(): Promise<void>;
  /** Flushes everything buffered now (batch end, shutdown, revoke). */
  flush(): Promise<void>;
  /** Given what was consumed, returns the offsets that are durable and safe to commit. */
  preCommit(consumed: readonly TopicPartitionOffset[]): TopicPartitionOffset[];
  /** Partitions were revoked: flush or drop their buffers and forget them. */
  close(partitions: readonly TopicPartitionRef[]): Promise<void>;
  /**
   * The assignment was lost (session or max.poll.interval.ms expired): another consumer may own
   * these partitions already, so their buffers are dropped unpublished and forgotten.
   */
  lost(partitions: readonly TopicPartitionRef[]): Promise<void>;
  stop(): Promise<void>;
}

interface PluginBase<Schema extends z.ZodType> {
  name: string;
  version: string;
  description: string;
  configSchema: Schema;
  /** The metrics the plugin emits through `ctx.metrics`, with their help texts (the app's exporter declares them). */
  metrics?: readonly MetricSpec[];
}

export interface SourcePlugin<Schema extends z.ZodType = z.ZodType> extends PluginBase<Schema> {
  kind: 'source';
  create(config: z.output<Schema>, ctx: PluginContext): SourceTask;
}

export interface SinkPlugin<Schema extends z.ZodType = z.ZodType> extends PluginBase<Schema> {
  kind: 'sink';
  create(config: z.output<Schema>, ctx: PluginContext): SinkTask;
}

/**
 * A record as a transform sees it: a source record before serialization (schemas present), or a
 * sink record after deserialization (no schemas). `value` is the change envelope
 * (`{ op, before, after, source, ts_us, … }`) or null for a tombstone.
 */
export interface TransformRecord {
  topic: string;
  key: unknown;
  value: unknown;
  keySchema?: AvroSchema | null;
  valueSchema?: AvroSchema;
  headers?: Record<string, string>;
}

/** A single-message transform (after Kafka Connect's SMTs): one record in, one record or null (dropped) out. */
export interface Transform {
  /** Returns the changed record (a new object: the input is never mutated), or null to drop it. */
  apply<R extends TransformRecord>(record: R): R | null;
}

export interface TransformPlugin<Schema extends z.ZodType = z.ZodType> extends PluginBase<Schema> {
  kind: 'transform';
  create(config: z.output<Schema>, ctx: PluginContext): Transform;
}

/** Anything the runtime finds by name: what a plugin package exports. */
export type ConnectorPlugin = SourcePlugin | SinkPlugin | TransformPlugin;
export type PluginKind = ConnectorPlugin['kind'];

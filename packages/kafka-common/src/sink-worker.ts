import kafkaJavascript, { type KafkaConsumer, type KafkaJS, type LibrdKafkaError, type Message } from '@confluentinc/kafka-javascript';
import { Backoff, sleep } from '@buyonline/connect-api';
import type { KafkaConfig } from './config.ts';
import type { Logger, PluginContext, SinkRecord, SinkTask, TopicPartitionOffset, TopicPartitionRef } from '@buyonline/connect-api';
import { type CdcError, DataError, describeError, isRetriable } from '@buyonline/connect-api';
import { connectRaw, consumeRaw, createKafka, createRawConsumer, disconnectRaw, ensureTopics, watermarks } from './kafka-clients.ts';
import { AvroJsonDeserializer, createRegistryClient } from './schema-registry.ts';
import { SerialQueue } from './serial-queue.ts';

export type SinkMode = 'stream' | 'batch';

export interface SinkWorkerOptions {
  task: SinkTask;
  kafka: KafkaConfig;
  registryUrl: string;
  groupId: string;
  topics: readonly string[];
  deadLetterTopic: string;
  mode: SinkMode;
  /** How often consumed-and-durable offsets are committed to the group. */
  commitIntervalMs: number;
  /** How often the task is asked to apply its time-based rotation (also while idle). */
  tickIntervalMs: number;
  maxBatchRecords: number;
  ctx: PluginContext;
}

export interface PartitionSummary {
  topic: string;
  partition: number;
  /** Next offset to read when the run ended. */
  position: number;
  /** End offset recorded at start (batch mode). */
  end?: number;
}

export interface SinkRunSummary {
  mode: SinkMode;
  records: number;
  deadLettered: number;
  partitions: PartitionSummary[];
  elapsedMs: number;
}

const { CODES } = kafkaJavascript;

const DISCONNECT_TIMEOUT_MS = 30_000;

const tpKey = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * consume → deserialize → put → commit only what the task says is durable. Partition
 * starts come from the task (it recovers from the stage); the group's committed offset is
 * the fallback. Poison records go to the dead-letter topic and the run goes on.
 */
export class SinkWorker {
  private readonly queue = new SerialQueue();
  private readonly assigned = new Map<string, TopicPartitionRef>();
  /** Next offset to read per partition, as far as this worker has consumed. */
  private readonly consumed = new Map<string, number>();
  private readonly endOffsets = new Map<string, number>();
  private consumer: KafkaConsumer | undefined;
  private closing = false;
  private fatal: unknown;
  private records = 0;
  private deadLettered = 0;
  private assignedOnce = false;
  private ready = false;

  constructor(private readonly options: SinkWorkerOptions) {}

  /** Records wait on an outage (the schema registry does not answer): nothing is committed past them. */
  private waitingOnOutage = false;

  isReady(): boolean {
    return this.ready && !this.waitingOnOutage;
  }

  /** What /health says when not ready. */
  status(): 'ok' | 'starting' | 'degraded' {
    if (this.waitingOnOutage) return 'degraded';
    return this.ready ? 'ok' : 'starting';
  }

  async run(signal: AbortSignal): Promise<SinkRunSummary> {
    const { ctx, task, kafka } = this.options;
    const started = ctx.now();
    const log = ctx.logger.child({ component: 'sink-worker', group: this.options.groupId });
    const client = createKafka(kafka, log);
    await ensureTopics(client, [{ topic: this.options.deadLetterTopic, numPartitions: 1 }]);
    const dlq = client.producer({ kafkaJS: { idempotent: true }, 'linger.ms': 5 });
    await dlq.connect();
    const deserializer = new AvroJsonDeserializer(createRegistryClient(this.options.registryUrl));

    const consumer = createRawConsumer(kafka, {
      'group.id': this.options.groupId,
      'partition.assignment.strategy': 'range',
      'fetch.wait.max.ms': 100,
      'session.timeout.ms': 10_000,
      'heartbeat.interval.ms': 1_000,
      // A subscribed topic created after we started is noticed within seconds, not minutes.
      'topic.metadata.refresh.interval.ms': 5_000,
      rebalance_cb: (err: LibrdKafkaError, assignment: TopicPartitionRef[]) => this.onRebalance(err, assignment, log),
    });
    this.consumer = consumer;
    await connectRaw(consumer);
    await task.start();
    let partitions: PartitionSummary[] = [];
    try {
      if (this.options.mode === 'batch') await this.recordEndOffsets(consumer);
      consumer.subscribe([...this.options.topics]);
      this.ready = true;
      const consumeBackoff = new Backoff(500, 10_000);
      let lastTick = ctx.now();
      let lastCommit = ctx.now();
      while (!signal.aborted) {
        if (this.fatal) throw this.fatal;
        let messages: Message[];
        try {
          messages = await consumeRaw(consumer, this.options.maxBatchRecords);
          consumeBackoff.reset();
        } catch (err) {
          if (!isRetriable(err)) throw err;
          const wait = consumeBackoff.next();
          log.warn({ err: describeError(err), retryInMs: wait }, 'consume failed (topic not created yet, or broker unreachable); retrying');
          await sleep(wait, signal);
          continue;
        }
        if (messages.length > 0) {
          await this.queue.run(() => this.handle(messages, deserializer, dlq, log, signal));
        }
        const now = ctx.now();
        if (now - lastTick >= this.options.tickIntervalMs) {
          lastTick = now;
          await this.queue.run(() => task.tick());
        }
        if (now - lastCommit >= this.options.commitIntervalMs) {
          lastCommit = now;
          await this.queue.run(async () => this.commit(log));
        }
        if (this.options.mode === 'batch' && this.drained(consumer)) {
          log.info({}, 'batch: every assigned partition reached its end offset');
          break;
        }
      }
      if (this.fatal) throw this.fatal;
      await this.queue.run(async () => {
        await task.flush();
        this.commit(log);
      });
    } finally {
      this.ready = false;
      this.closing = true;
      // Positions are read before the consumer goes away.
      partitions = this.summary();
      await this.disconnect(consumer, log);
      await dlq.disconnect().catch(() => undefined);
      await task.stop();
    }
    return {
      mode: this.options.mode,
      records: this.records,
      deadLettered: this.deadLettered,
      partitions,
      elapsedMs: ctx.now() - started,
    };
  }

  /** Leaves the group; bounded, so that a stop is never held up by a group that does not answer. */
  private async disconnect(consumer: KafkaConsumer, log: Logger): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), DISCONNECT_TIMEOUT_MS);
    });
    const gone = await Promise.race([disconnectRaw(consumer).then(() => false), timedOut]);
    clearTimeout(timer);
    if (gone) log.warn({ timeoutMs: DISCONNECT_TIMEOUT_MS }, 'the consumer did not leave the group in time; stopping anyway');
  }

  private summary(): PartitionSummary[] {
    return [...this.assigned.values()].map((tp) => {
      const key = tpKey(tp.topic, tp.partition);
      const end = this.endOffsets.get(key);
      return {
        topic: tp.topic,
        partition: tp.partition,
        position: this.position(tp),
        ...(end === undefined ? {} : { end }),
      };
    });
  }

  private position(tp: TopicPartitionRef): number {
    const ours = this.consumed.get(tpKey(tp.topic, tp.partition)) ?? -1;
    let theirs = -1;
    try {
      theirs = this.consumer?.position([{ topic: tp.topic, partition: tp.partition }])[0]?.offset ?? -1;
    } catch {
      theirs = -1; // not assigned any more
    }
    return Math.max(ours, theirs);
  }

  private drained(consumer: KafkaConsumer): boolean {
    if (!this.assignedOnce || this.assigned.size === 0 || consumer === undefined) return false;
    for (const tp of this.assigned.values()) {
      const end = this.endOffsets.get(tpKey(tp.topic, tp.partition)) ?? 0;
      if (this.position(tp) < end) return false;
    }
    return true;
  }

  private async recordEndOffsets(consumer: KafkaConsumer): Promise<void> {
    for (const topic of this.options.topics) {
      const metadata = await new Promise<import('@confluentinc/kafka-javascript').Metadata>((resolve, reject) =>
        consumer.getMetadata({ topic, timeout: 10_000 }, (err, data) => (err ? reject(err) : resolve(data))),
      );
      const partitions = metadata.topics.find((t) => t.name === topic)?.partitions ?? [];
      for (const p of partitions) {
        const { high } = await watermarks(consumer, topic, p.id);
        this.endOffsets.set(tpKey(topic, p.id), high);
      }
    }
  }

  private onRebalance(err: LibrdKafkaError, assignment: TopicPartitionRef[], log: Logger): void {
    const consumer = this.consumer;
    if (!consumer) return;
    if (this.closing) {
      // Shutting down: buffers were flushed already; just let go.
      if (err.code === CODES.ERRORS.ERR__REVOKE_PARTITIONS) consumer.unassign();
      return;
    }
    const parts = assignment.map(({ topic, partition }) => ({ topic, partition }));
    if (err.code === CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
      this.queue
        .run(async () => {
          let withOffsets: (TopicPartitionRef & { offset?: number })[] = parts;
          try {
            withOffsets = await this.open(parts);
          } finally {
            // librdkafka waits for this call whatever happened: without it the group (and our close) hangs.
            consumer.assign(withOffsets);
          }
          this.assignedOnce = true;
          log.info({ partitions: withOffsets }, 'partitions assigned');
        })
        .catch((e: unknown) => {
          this.fatal = e;
        });
    } else if (err.code === CODES.ERRORS.ERR__REVOKE_PARTITIONS) {
      // Lost (session timeout or max.poll.interval.ms expired while we were stalled): another
      // member may own these partitions already. Nothing buffered may be published, nothing committed.
      const lost = (consumer as KafkaConsumer & { assignmentLost(): boolean }).assignmentLost();
      this.queue
        .run(async () => {
          try {
            if (lost) {
              await this.options.task.lost(parts);
            } else {
              await this.options.task.close(parts);
              this.commit(log, parts);
            }
          } finally {
            for (const tp of parts) {
              this.assigned.delete(tpKey(tp.topic, tp.partition));
              this.consumed.delete(tpKey(tp.topic, tp.partition));
            }
            consumer.unassign();
          }
          if (lost) {
            this.options.ctx.metrics.count('sink_assignments_lost_total');
            log.warn({ partitions: parts }, 'assignment lost (session or poll interval expired): buffers dropped, rejoining the group');
          } else {
            log.info({ partitions: parts }, 'partitions revoked');
          }
        })
        .catch((e: unknown) => {
          this.fatal = e;
        });
    } else {
      log.error({ err: err.message }, 'rebalance error');
    }
  }

  /** Asks the task where each partition starts; remembers the partitions as ours. */
  private async open(parts: readonly TopicPartitionRef[]): Promise<(TopicPartitionRef & { offset?: number })[]> {
    const starts = await this.options.task.open(parts);
    const startOf = new Map(starts.map((s) => [tpKey(s.topic, s.partition), Number(s.offset)]));
    return parts.map((tp) => {
      const key = tpKey(tp.topic, tp.partition);
      const start = startOf.get(key);
      this.assigned.set(key, tp);
      if (start === undefined) {
        this.consumed.delete(key);
        return tp;
      }
      this.consumed.set(key, start);
      return { ...tp, offset: start };
    });
  }

  private commit(log: Logger, only?: readonly TopicPartitionRef[]): void {
    const consumer = this.consumer;
    if (!consumer) return;
    const scope = only ?? [...this.assigned.values()];
    const consumed: TopicPartitionOffset[] = [];
    for (const tp of scope) {
      const next = this.consumed.get(tpKey(tp.topic, tp.partition));
      if (next !== undefined) consumed.push({ ...tp, offset: String(next) });
    }
    if (consumed.length === 0) return;
    const safe = this.options.task.preCommit(consumed);
    if (safe.length === 0) return;
    try {
      consumer.commitSync(safe.map((o) => ({ topic: o.topic, partition: o.partition, offset: Number(o.offset) })));
      this.options.ctx.metrics.count('sink_commits_total');
    } catch (err) {
      // Committed offsets are only a hint (the stage is the source of truth): log and go on.
      log.warn({ err: describeError(err) }, 'offset commit failed');
    }
  }

  private async handle(
    messages: Message[],
    deserializer: AvroJsonDeserializer,
    dlq: KafkaJS.Producer,
    log: Logger,
    signal: AbortSignal,
  ): Promise<void> {
    const records: SinkRecord[] = [];
    for (const m of messages) {
      const key = tpKey(m.topic, m.partition);
      if (!this.assigned.has(key)) continue; // fetched before a revoke: the new owner reads it
      const next = this.consumed.get(key);
      if (next !== undefined && m.offset < next) continue;
      try {
        records.push(await this.deserialize(m, deserializer, signal, log));
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
        await this.deadLetter(m, err, dlq, log);
      }
      this.consumed.set(key, m.offset + 1);
    }
    if (records.length > 0) {
      await this.options.task.put(records);
      this.records += records.length;
      this.options.ctx.metrics.count('sink_records_total', records.length);
    }
  }

  private async deserialize(m: Message, deserializer: AvroJsonDeserializer, signal: AbortSignal, log: Logger): Promise<SinkRecord> {
    const backoff = new Backoff();
    for (;;) {
      try {
        const key = m.key ? (await deserializer.deserialize(m.topic, 'key', asBuffer(m.key))).value : null;
        let value: unknown = null;
        let schemaId: number | undefined;
        if (m.value) {
          const decoded = await deserializer.deserialize(m.topic, 'value', m.value);
          value = decoded.value;
          schemaId = decoded.schemaId;
        }
        this.waitingOnOutage = false;
        return {
          topic: m.topic,
          partition: m.partition,
          offset: String(m.offset),
          timestampMs: m.timestamp ?? 0,
          key,
          value,
          ...(schemaId === undefined ? {} : { schemaId }),
        };
      } catch (err) {
        if (!isRetriable(err) || signal.aborted) throw err;
        this.waitingOnOutage = true;
        const wait = backoff.next();
        log.warn({ err: describeError(err), retryInMs: wait }, 'schema registry unavailable, retrying');
        await sleep(wait, signal);
      }
    }
  }

  private async deadLetter(m: Message, err: CdcError, dlq: KafkaJS.Producer, log: Logger): Promise<void> {
    log.error({ topic: m.topic, partition: m.partition, offset: m.offset, err: err.message }, 'poison record sent to the dead-letter topic');
    await dlq.send({
      topic: this.options.deadLetterTopic,
      messages: [
        {
          key: m.key ? asBuffer(m.key) : null,
          value: m.value ?? null,
          headers: {
            'dlq.error.code': err.code,
            'dlq.error.message': err.message,
            'dlq.topic': m.topic,
            'dlq.partition': String(m.partition),
            'dlq.offset': String(m.offset),
            'dlq.group': this.options.groupId,
          },
        },
      ],
    });
    this.deadLettered++;
    this.options.ctx.metrics.count('sink_dead_letter_total');
  }
}

function asBuffer(key: Buffer | string): Buffer {
  return typeof key === 'string' ? Buffer.from(key) : key;
}

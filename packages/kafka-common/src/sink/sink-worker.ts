import type { KafkaConsumer, LibrdKafkaError, Message } from '@confluentinc/kafka-javascript';
import { Backoff, sleep } from '@buyonline/connect-api';
import type { KafkaConfig } from '../shared/kafka-config.ts';
import type { Logger, PluginContext, SinkTask, TopicPartitionRef, Transform } from '@buyonline/connect-api';
import { describeError, isRetriable } from '@buyonline/connect-api';
import { SinkDeadLetterReporter } from './sink-dead-letter.ts';
import { connectRaw, consumeRaw, createKafka, createRawConsumer, disconnectRaw, ensureTopics, topicPartitions, watermarks } from '../shared/kafka-clients.ts';
import { PartitionLag } from './partition-lag.ts';
import { leaveGroup } from './leave-group.ts';
import { MessageDecoder } from './message-decoder.ts';
import { type PartitionSummary, PartitionTracker } from './partition-tracker.ts';
import { RebalanceHandler } from './rebalance.ts';
import { RecordDelivery } from './record-delivery.ts';
import { AvroJsonDeserializer } from '../serde/avro-json-deserializer.ts';
import { createRegistryClient } from '../serde/registry-client.ts';
import { SerialQueue } from './serial-queue.ts';
import { DEFAULT_PREFETCH_BYTES, type SinkMode, sinkConsumerSettings, tuneConsumeCalls } from './consumer-settings.ts';

/** The worker's default of its optional settings: the one place it is declared (the consumer's variable defaults to it). */
export const SINK_WORKER_DEFAULTS = { prefetchBytes: DEFAULT_PREFETCH_BYTES } as const;

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
  /** Bytes of records fetched ahead, at most (librdkafka's queue and each fetch); 2 MB unless set. */
  prefetchBytes?: number;
  /**
   * Applied in order to every deserialized record before `put`. A transform may drop a record
   * (null: its offset still commits); one that throws sends the record to the dead-letter topic.
   * A record keeps its topic, partition and offset (routing belongs in the source).
   */
  transforms?: readonly Transform[];
  ctx: PluginContext;
}

export interface SinkRunSummary {
  mode: SinkMode;
  records: number;
  deadLettered: number;
  /** Records a transform dropped. */
  filtered: number;
  partitions: PartitionSummary[];
  elapsedMs: number;
}

/**
 * consume → deserialize → transform → put → commit only what the task says is durable.
 * Partition starts come from the task (it recovers from the stage); the group's committed
 * offset is the fallback. Poison records go to the dead-letter topic and the run goes on.
 */
export class SinkWorker {
  private readonly queue = new SerialQueue();
  private readonly tracker = new PartitionTracker();
  private consumer: KafkaConsumer | undefined;
  private decoder: MessageDecoder | undefined;
  private fatal: unknown;
  private ready = false;
  private lastCommitAt: number | undefined;
  private lastCommit: string | undefined;

  private readonly lag: PartitionLag;

  constructor(private readonly options: SinkWorkerOptions) {
    this.lag = new PartitionLag({ tracker: this.tracker, consumerPosition: this.consumerPosition, mode: options.mode, ctx: options.ctx });
  }

  isReady(): boolean {
    return this.ready && !this.waitingOnOutage();
  }

  /** The partitions this member owns now (in the group's last assignment). */
  assignedPartitions(): TopicPartitionRef[] {
    return this.tracker.partitions();
  }

  /** What /health says when not ready. */
  status(): 'ok' | 'starting' | 'degraded' {
    if (this.waitingOnOutage()) return 'degraded';
    return this.ready ? 'ok' : 'starting';
  }

  /** Records wait on an outage (the schema registry does not answer): nothing is committed past them. */
  private waitingOnOutage(): boolean {
    return this.decoder?.waitingOnOutage ?? false;
  }

  async run(signal: AbortSignal): Promise<SinkRunSummary> {
    const { ctx, task } = this.options;
    const started = ctx.now();
    const log = ctx.logger.child({ component: 'sink-worker', group: this.options.groupId });
    const { dlq, deadLetters, delivery, rebalance } = await this.assemble(log);
    const consumer = await this.connect(rebalance);
    await task.start();
    let partitions: PartitionSummary[] = [];
    try {
      if (this.options.mode === 'batch') await this.recordEndOffsets(consumer);
      consumer.subscribe([...this.options.topics]);
      this.ready = true;
      await this.consumeUntilStopped(consumer, delivery, deadLetters, signal, log);
      if (this.fatal) throw this.fatal;
      await this.queue.run(async () => {
        await task.flush();
        this.commit(log);
      });
      this.reportPartitions(consumer, ctx.now(), delivery.records, deadLetters.deadLettered);
    } finally {
      this.ready = false;
      rebalance.close();
      // Positions are read before the consumer goes away.
      partitions = this.tracker.summary(this.consumerPosition);
      await leaveGroup(() => disconnectRaw(consumer), log);
      await dlq.disconnect().catch(() => undefined);
      await task.stop();
    }
    return {
      mode: this.options.mode,
      records: delivery.records,
      deadLettered: deadLetters.deadLettered,
      filtered: delivery.filtered,
      partitions,
      elapsedMs: ctx.now() - started,
    };
  }

  /** The run's collaborators: the dead-letter producer and its reporter, the decoder, the delivery and the rebalance handler. */
  private async assemble(log: Logger) {
    const { ctx, task, kafka } = this.options;
    const client = createKafka(kafka, log);
    await ensureTopics(client, [{ topic: this.options.deadLetterTopic, numPartitions: 1 }]);
    const dlq = client.producer({ kafkaJS: { idempotent: true }, 'linger.ms': 5 });
    await dlq.connect();
    const deadLetters = new SinkDeadLetterReporter(dlq, this.options.deadLetterTopic, this.options.groupId, log, ctx.metrics);
    const decoder = new MessageDecoder(new AvroJsonDeserializer(createRegistryClient(this.options.registryUrl)), log);
    this.decoder = decoder;
    const delivery = new RecordDelivery({ task, tracker: this.tracker, decoder, deadLetters, transforms: this.options.transforms ?? [], metrics: ctx.metrics });
    const rebalance = new RebalanceHandler({
      task,
      tracker: this.tracker,
      queue: this.queue,
      commit: (parts) => this.commit(log, parts),
      fail: (err) => {
        this.fatal = err;
      },
      log,
      metrics: ctx.metrics,
    });
    return { dlq, deadLetters, delivery, rebalance };
  }

  /** The group consumer (consumer-settings.ts), connected; its rebalances go to the handler. */
  private async connect(rebalance: RebalanceHandler): Promise<KafkaConsumer> {
    const consumer = createRawConsumer(this.options.kafka, {
      ...sinkConsumerSettings(this.options.groupId, this.options.prefetchBytes),
      rebalance_cb: (err: LibrdKafkaError, assignment: TopicPartitionRef[]) =>
        rebalance.handle(this.consumer as (KafkaConsumer & { assignmentLost(): boolean }) | undefined, err, assignment),
    });
    this.consumer = consumer;
    await connectRaw(consumer);
    tuneConsumeCalls(consumer, this.options.mode);
    return consumer;
  }

  /**
   * consume → deliver, the task's tick and the group commit each on its interval, until the
   * signal aborts, a rebalance failed, or (batch) every assigned partition reached its end.
   */
  private async consumeUntilStopped(
    consumer: KafkaConsumer,
    delivery: RecordDelivery,
    deadLetters: SinkDeadLetterReporter,
    signal: AbortSignal,
    log: Logger,
  ): Promise<void> {
    const { ctx, task } = this.options;
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
        this.lag.noteConsumed(messages);
        await this.queue.run(() => delivery.deliver(messages, signal));
      }
      const now = ctx.now();
      if (now - lastTick >= this.options.tickIntervalMs) {
        lastTick = now;
        await this.queue.run(() => task.tick());
        this.reportPartitions(consumer, now, delivery.records, deadLetters.deadLettered);
      }
      if (now - lastCommit >= this.options.commitIntervalMs) {
        lastCommit = now;
        await this.queue.run(async () => this.commit(log));
      }
      if (this.options.mode === 'batch' && this.tracker.drained(this.consumerPosition)) {
        log.info({}, 'batch: every assigned partition reached its end offset');
        return;
      }
    }
  }

  /** The consumer's position of a partition; -1 when it has none (not assigned any more). */
  private readonly consumerPosition = (tp: TopicPartitionRef): number => {
    try {
      return this.consumer?.position([{ topic: tp.topic, partition: tp.partition }])[0]?.offset ?? -1;
    } catch {
      return -1; // not assigned any more
    }
  };

  private async recordEndOffsets(consumer: KafkaConsumer): Promise<void> {
    for (const topic of this.options.topics) {
      for (const partition of await topicPartitions(consumer, topic)) {
        const { low, high } = await watermarks(consumer, topic, partition);
        this.tracker.setEnd(topic, partition, high, low);
      }
    }
  }

  /** Commits, of the partitions consumed from (all, or `only`), the offsets the task says are durable. */
  private commit(log: Logger, only?: readonly TopicPartitionRef[]): void {
    const consumer = this.consumer;
    if (!consumer) return;
    const offsets = this.tracker.toCommit((consumed) => this.options.task.preCommit(consumed), only);
    if (offsets.length === 0) return;
    try {
      consumer.commitSync(offsets);
      this.options.ctx.metrics.count('sink_commits_total');
      this.lastCommitAt = this.options.ctx.now();
      const shown = offsets.slice(0, 3).map((o) => `${o.topic}[${o.partition}]@${o.offset}`);
      this.lastCommit = offsets.length > 3 ? `${shown.join(', ')} (+${offsets.length - 3})` : shown.join(', ');
    } catch (err) {
      // Committed offsets are only a hint (the stage is the source of truth): log and go on.
      log.warn({ err: describeError(err) }, 'offset commit failed');
    }
  }

  /** Partition lag (partition-lag.ts), then the worker's own line of the status; once per tick. */
  private reportPartitions(consumer: KafkaConsumer, now: number, records: number, deadLettered: number): void {
    this.lag.report(consumer, now);
    this.options.ctx.status?.report('kafka', 'sink-worker', {
      records,
      deadLettered,
      ...(this.lastCommitAt === undefined ? {} : { lastCommitAt: this.lastCommitAt }),
      ...(this.lastCommit === undefined ? {} : { lastCommit: this.lastCommit }),
    });
  }
}

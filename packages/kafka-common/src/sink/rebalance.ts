import kafkaJavascript from '@confluentinc/kafka-javascript';
import type { Logger, Metrics, SinkTask, TopicPartitionRef } from '@buyonline/connect-api';
import type { PartitionTracker, StartingPartition } from './partition-tracker.ts';
import type { SerialQueue } from './serial-queue.ts';

const { CODES } = kafkaJavascript;

/** What a rebalance needs of the consumer: the answer librdkafka waits for, and whether the assignment was lost. */
export interface RebalanceConsumer {
  assign(partitions: StartingPartition[]): unknown;
  unassign(): unknown;
  assignmentLost(): boolean;
}

/** The event librdkafka hands `rebalance_cb`: its code says assign, revoke or error. */
export interface RebalanceEvent {
  code: number;
  message: string;
}

export interface RebalanceOptions {
  task: Pick<SinkTask, 'open' | 'close' | 'lost'>;
  tracker: PartitionTracker;
  /** The worker's queue: a rebalance waits for the batch being put, and the next batch waits for it. */
  queue: SerialQueue;
  /** Commits the durable offsets of partitions about to be revoked (after the task closed them). */
  commit(partitions: readonly TopicPartitionRef[]): void;
  /** A rebalance step failed: the run stops with this error. */
  fail(err: unknown): void;
  log: Logger;
  metrics: Metrics;
}

/**
 * librdkafka's rebalance callback, turned into SinkTask calls: assigned → open (where to start
 * each partition), revoked → close and commit what is durable, lost (another member may own the
 * partitions already) → lost, buffers dropped, nothing committed. librdkafka waits for the
 * answer (assign / unassign) whatever happened, so it is given even when the task throws.
 */
export class RebalanceHandler {
  private closing = false;

  constructor(private readonly options: RebalanceOptions) {}

  /** Shutting down: buffers were flushed already, so a revoke from now on only lets go. */
  close(): void {
    this.closing = true;
  }

  /** Called from `rebalance_cb`; the work is queued, the callback returns at once. */
  handle(consumer: RebalanceConsumer | undefined, event: RebalanceEvent, assignment: readonly TopicPartitionRef[]): void {
    if (!consumer) return;
    if (this.closing) {
      if (event.code === CODES.ERRORS.ERR__REVOKE_PARTITIONS) consumer.unassign();
      return;
    }
    const parts = assignment.map(({ topic, partition }) => ({ topic, partition }));
    if (event.code === CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
      this.queued(() => this.assign(consumer, parts));
    } else if (event.code === CODES.ERRORS.ERR__REVOKE_PARTITIONS) {
      // Read now, not when the queued job runs: it describes this revoke.
      const lost = consumer.assignmentLost();
      this.queued(() => this.revoke(consumer, parts, lost));
    } else {
      this.options.log.error({ err: event.message }, 'rebalance error');
    }
  }

  private queued(job: () => Promise<void>): void {
    this.options.queue.run(job).catch((err: unknown) => this.options.fail(err));
  }

  private async assign(consumer: RebalanceConsumer, parts: TopicPartitionRef[]): Promise<void> {
    let assignment: StartingPartition[] = parts;
    try {
      assignment = this.options.tracker.assign(parts, await this.options.task.open(parts));
    } finally {
      // librdkafka waits for this call whatever happened: without it the group (and our close) hangs.
      consumer.assign(assignment);
    }
    this.options.log.info({ partitions: assignment }, 'partitions assigned');
  }

  /**
   * Lost (session timeout or max.poll.interval.ms expired while we were stalled): another member
   * may own these partitions already. Nothing buffered may be published, nothing committed.
   */
  private async revoke(consumer: RebalanceConsumer, parts: TopicPartitionRef[], lost: boolean): Promise<void> {
    const { task, tracker, log } = this.options;
    try {
      if (lost) {
        await task.lost(parts);
      } else {
        await task.close(parts);
        this.options.commit(parts);
      }
    } finally {
      tracker.release(parts);
      consumer.unassign();
    }
    if (lost) {
      this.options.metrics.count('sink_assignments_lost_total');
      log.warn({ partitions: parts }, 'assignment lost (session or poll interval expired): buffers dropped, rejoining the group');
    } else {
      log.info({ partitions: parts }, 'partitions revoked');
    }
  }
}

import type { KafkaConsumer } from '@confluentinc/kafka-javascript';
import { connect, consume, disconnect, readCommittedConsumer } from '../kafka/raw-clients.ts';

/** Next offset to read per partition: where one phase's records end in the topic. */
export type PartitionOffsets = ReadonlyMap<number, number>;

/**
 * Follows the data topic as a read_committed consumer while the pipeline runs, so the bench
 * knows when a phase's records are all in Kafka. It only counts and notes, per record, when it
 * became readable here (no decoding: it takes little CPU from the pipeline it watches).
 */
export class RecordCounter {
  count = 0;
  private readonly next = new Map<number, number>();
  /** Per partition: the time each offset was read (offset → epoch ms). */
  private readonly readAt = new Map<number, Map<number, number>>();
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private failure: unknown;

  private constructor(private readonly consumer: KafkaConsumer) {}

  static async start(brokers: string, topic: string, groupId: string): Promise<RecordCounter> {
    const consumer = readCommittedConsumer(brokers, groupId, { 'fetch.wait.max.ms': 10, 'fetch.error.backoff.ms': 10 });
    await connect(consumer);
    consumer.setDefaultConsumeTimeout(50);
    // return what is there once a first record came, instead of waiting for each up to the timeout
    (consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(on: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
    consumer.subscribe([topic]);
    const counter = new RecordCounter(consumer);
    counter.loop = counter.run().catch((err: unknown) => {
      counter.failure = err;
    });
    return counter;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const messages = await consume(this.consumer, 5000);
      const now = Date.now();
      for (const m of messages) {
        this.count++;
        this.next.set(m.partition, m.offset + 1);
        let times = this.readAt.get(m.partition);
        if (!times) {
          times = new Map();
          this.readAt.set(m.partition, times);
        }
        times.set(m.offset, now);
      }
    }
  }

  /** Waits until `total` records were read; fails when none arrives for `idleMs`. */
  async reach(total: number, what: string, idleMs = 120_000): Promise<void> {
    let last = this.count;
    let lastChange = Date.now();
    while (this.count < total) {
      if (this.failure) throw this.failure;
      if (this.count !== last) {
        last = this.count;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > idleMs) {
        throw new Error(`${what}: ${this.count} of ${total} records in Kafka, none for ${idleMs / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (this.count > total) process.stderr.write(`warning: ${what}: ${this.count} records in Kafka, ${total} expected\n`);
  }

  /** Where the records read so far end, per partition. */
  offsets(): PartitionOffsets {
    return new Map(this.next);
  }

  /** When a record became readable here (epoch ms), if it was read. */
  readTime(partition: number, offset: number): number | undefined {
    return this.readAt.get(partition)?.get(offset);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await disconnect(this.consumer);
  }
}

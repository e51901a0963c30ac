import kafkaJavascript from '@confluentinc/kafka-javascript';
import { type TopicPartitionOffset, type TopicPartitionRef } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { describe, expect, it } from 'vitest';
import { PartitionTracker, type StartingPartition } from './partition-tracker.ts';
import { type RebalanceConsumer, RebalanceHandler } from './rebalance.ts';
import { SerialQueue } from './serial-queue.ts';

const { ERR__ASSIGN_PARTITIONS, ERR__REVOKE_PARTITIONS } = kafkaJavascript.CODES.ERRORS;
const ASSIGN = { code: ERR__ASSIGN_PARTITIONS, message: 'assign' };
const REVOKE = { code: ERR__REVOKE_PARTITIONS, message: 'revoke' };

const p0 = { topic: 't', partition: 0 };
const p1 = { topic: 't', partition: 1 };

/** Everything the handler did, in order: task calls, commits and the answers given to librdkafka. */
class Fixture {
  readonly calls: string[] = [];
  readonly assigned: StartingPartition[][] = [];
  readonly errors: unknown[] = [];
  readonly counted: string[] = [];
  readonly tracker = new PartitionTracker();
  readonly queue = new SerialQueue();
  lost = false;
  starts: TopicPartitionOffset[] = [];
  failOpen: Error | undefined;
  failClose: Error | undefined;

  readonly consumer: RebalanceConsumer = {
    assign: (partitions) => {
      this.calls.push('consumer.assign');
      this.assigned.push(partitions);
    },
    unassign: () => this.calls.push('consumer.unassign'),
    assignmentLost: () => this.lost,
  };

  readonly handler = new RebalanceHandler({
    task: {
      open: async (parts) => {
        this.calls.push(`task.open ${names(parts)}`);
        if (this.failOpen) throw this.failOpen;
        return this.starts;
      },
      close: async (parts) => {
        this.calls.push(`task.close ${names(parts)}`);
        if (this.failClose) throw this.failClose;
      },
      lost: async (parts) => void this.calls.push(`task.lost ${names(parts)}`),
    },
    tracker: this.tracker,
    queue: this.queue,
    commit: (parts) => this.calls.push(`commit ${names(parts)}`),
    fail: (err) => this.errors.push(err),
    log: noopContext().logger,
    metrics: { ...noopContext().metrics, count: (name) => this.counted.push(name) },
  });

  /** Waits until every queued rebalance step ran. */
  settled(): Promise<void> {
    return this.queue.run(async () => undefined);
  }
}

const names = (parts: readonly TopicPartitionRef[]) => parts.map((p) => `${p.topic}:${p.partition}`).join(',');

describe('RebalanceHandler', () => {
  it('opens assigned partitions in the task and assigns them at the offsets the task recovered', async () => {
    const f = new Fixture();
    f.starts = [{ ...p1, offset: '17' }];
    f.handler.handle(f.consumer, ASSIGN, [p0, p1]);
    await f.settled();
    expect(f.calls).toEqual(['task.open t:0,t:1', 'consumer.assign']);
    expect(f.assigned).toEqual([[p0, { ...p1, offset: 17 }]]);
    expect(f.tracker.partitions()).toEqual([p0, p1]);
    expect(f.tracker.consumedOffsets()).toEqual([{ ...p1, offset: '17' }]);
  });

  it('answers the assignment even when the task cannot open it, and stops the run with the error', async () => {
    const f = new Fixture();
    f.failOpen = new Error('stage unreadable');
    f.handler.handle(f.consumer, ASSIGN, [p0]);
    await f.settled();
    expect(f.calls).toEqual(['task.open t:0', 'consumer.assign']);
    expect(f.assigned).toEqual([[p0]]);
    expect(f.errors).toEqual([f.failOpen]);
    expect(f.tracker.partitions()).toEqual([]); // nothing fetched from them is handled
  });

  it('on a revoke closes the partitions, commits what is durable of them, then lets them go', async () => {
    const f = new Fixture();
    f.handler.handle(f.consumer, ASSIGN, [p0, p1]);
    f.handler.handle(f.consumer, REVOKE, [p1]);
    await f.settled();
    expect(f.calls).toEqual(['task.open t:0,t:1', 'consumer.assign', 'task.close t:1', 'commit t:1', 'consumer.unassign']);
    expect(f.tracker.partitions()).toEqual([p0]);
    expect(f.counted).toEqual([]);
  });

  it('on a lost assignment drops the buffers and commits nothing', async () => {
    const f = new Fixture();
    f.handler.handle(f.consumer, ASSIGN, [p0]);
    f.lost = true;
    f.handler.handle(f.consumer, REVOKE, [p0]);
    await f.settled();
    expect(f.calls).toEqual(['task.open t:0', 'consumer.assign', 'task.lost t:0', 'consumer.unassign']);
    expect(f.tracker.partitions()).toEqual([]);
    expect(f.counted).toEqual(['sink_assignments_lost_total']);
  });

  it('tells lost from revoked when the callback fires, not when the queued step runs', async () => {
    const f = new Fixture();
    f.handler.handle(f.consumer, ASSIGN, [p0]);
    let release: () => void = () => undefined;
    const putDone = new Promise<void>((resolve) => {
      release = resolve;
    });
    const busy = f.queue.run(() => putDone); // a batch being put
    f.lost = true;
    f.handler.handle(f.consumer, REVOKE, [p0]);
    f.lost = false; // rejoined meanwhile
    release();
    await busy;
    await f.settled();
    expect(f.calls).toContain('task.lost t:0');
    expect(f.calls).not.toContain('commit t:0');
  });

  it('waits for the batch being put before closing', async () => {
    const f = new Fixture();
    f.handler.handle(f.consumer, ASSIGN, [p0]);
    const put = f.queue.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      f.calls.push('task.put');
    });
    f.handler.handle(f.consumer, REVOKE, [p0]);
    await put;
    await f.settled();
    expect(f.calls).toEqual(['task.open t:0', 'consumer.assign', 'task.put', 'task.close t:0', 'commit t:0', 'consumer.unassign']);
  });

  it('lets the partitions go even when the task cannot close them, and stops the run with the error', async () => {
    const f = new Fixture();
    f.handler.handle(f.consumer, ASSIGN, [p0]);
    f.failClose = new Error('flush failed');
    f.handler.handle(f.consumer, REVOKE, [p0]);
    await f.settled();
    expect(f.calls).toEqual(['task.open t:0', 'consumer.assign', 'task.close t:0', 'consumer.unassign']);
    expect(f.tracker.partitions()).toEqual([]);
    expect(f.errors).toEqual([f.failClose]);
  });

  it('once closing, a revoke only lets go (buffers were flushed) and the task is not called', async () => {
    const f = new Fixture();
    f.handler.handle(f.consumer, ASSIGN, [p0]);
    await f.settled();
    f.handler.close();
    f.handler.handle(f.consumer, REVOKE, [p0]);
    f.handler.handle(f.consumer, ASSIGN, [p1]);
    await f.settled();
    expect(f.calls).toEqual(['task.open t:0', 'consumer.assign', 'consumer.unassign']);
  });

  it('does nothing on a rebalance error, or before the consumer exists', async () => {
    const f = new Fixture();
    f.handler.handle(f.consumer, { code: -1, message: 'broker down' }, [p0]);
    f.handler.handle(undefined, ASSIGN, [p0]);
    await f.settled();
    expect(f.calls).toEqual([]);
    expect(f.errors).toEqual([]);
  });
});

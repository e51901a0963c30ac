import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type GroupView, groupStatus, groupStatusCommand } from './support/group-status.ts';
import { readTopic, type TopicRecord } from './support/kafka-topic.ts';
import { Scenario, waitFor } from './support/scenario.ts';

const ROWS = 300;
/** Single-row updates made while the group is stopped: each one Kafka record. */
const MORE = 30;

/** Kafka's own count of records (read_committed) at or after each partition's committed position. */
function recordsAfter(records: readonly TopicRecord[], view: GroupView): Map<number, number> {
  return new Map(view.partitions.map((p) => [p.partition, records.filter((r) => r.partition === p.partition && r.offset >= (p.committed ?? 0)).length]));
}

describe('status --group: every partition of the consumer group, from Kafka', () => {
  const scenario = new Scenario('group_status', inject('endpoints'));
  const env = () => scenario.consumerEnv(scenario.endpoints, scenario.stageDir);
  const view = (): Promise<GroupView> => groupStatus(env());
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(ROWS));

  it('shows both members as owners with positions and lag that match Kafka; stopped, owner none and lag N after N more records; 0 after the drain', async () => {
    const producer = scenario.producer().start();
    const first = scenario.consumer('member-a', 'stream', { KAFKA_CLIENT_ID: 'member-a' }).start();
    const second = scenario.consumer('member-b', 'stream', { KAFKA_CLIENT_ID: 'member-b' }).start();
    await scenario.waitUntilStageMatchesPostgres();
    let records = await scenario.waitUntilStageHoldsKafka();

    // two members share the three partitions; everything read is committed: lag 0 everywhere
    const running = await waitFor('the group to show both members and lag 0 on every partition', async () => {
      const v = await view();
      const owners = new Set(v.partitions.map((p) => p.owner?.clientId));
      return v.partitions.length === 3 && owners.size === 2 && !owners.has(undefined) && v.partitions.every((p) => p.lag === 0) ? v : undefined;
    });
    expect(running.group).toBe(scenario.group);
    expect(running.state).toBe('Stable');
    expect(running.partitions.map((p) => `${p.topic}[${p.partition}]`)).toEqual([0, 1, 2].map((p) => `${scenario.topic}[${p}]`));
    expect(new Set(running.partitions.map((p) => p.owner?.clientId))).toEqual(new Set(['member-a', 'member-b']));
    expect(running.members.map((m) => m.clientId).sort()).toEqual(['member-a', 'member-b']);
    for (const p of running.partitions) {
      expect(p.lagCounted).toBe(true);
      // the committed position follows the last file the group wrote of that partition
      const last = /\+(\d{20})\.jsonl$/.exec(p.lastFile ?? '')?.[1];
      expect(p.lastFile).toContain(join(scenario.stageDir, scenario.topic, `partition=${p.partition}`));
      expect(p.committed).toBe(Number(last) + 1);
    }
    expect([...recordsAfter(records, running).values()]).toEqual([0, 0, 0]);

    // for people: one line per partition with its owner
    const human = await groupStatusCommand(env(), false);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${scenario.topic}[0]`);
    expect(human.stdout).toMatch(/member-[ab]/);

    // the group stopped: positions stay, nobody owns anything
    expect(await first.terminate()).toBe(0);
    expect(await second.terminate()).toBe(0);
    const stopped = await view();
    expect(stopped.state).toBe('Empty');
    expect(stopped.members).toEqual([]);
    expect(stopped.partitions.map((p) => p.owner)).toEqual([null, null, null]);
    expect(stopped.partitions.map((p) => p.committed)).toEqual(running.partitions.map((p) => p.committed));
    expect(stopped.partitions.map((p) => p.lag)).toEqual([0, 0, 0]);
    expect((await groupStatusCommand(env(), false)).stdout).toContain('none');

    // N more records while nobody reads: the lag is N, partition by partition as Kafka holds them
    for (let i = 1; i <= MORE; i++) await scenario.sql.unsafe(`update ${scenario.table} set price = price + 1 where id = ${i}`);
    await scenario.waitUntilKafkaMatchesPostgres();
    records = await readTopic(scenario.endpoints.brokers, scenario.topic, scenario.endpoints.registryUrl);
    const behind = await view();
    expect(behind.partitions.map((p) => p.owner)).toEqual([null, null, null]);
    expect(behind.partitions.every((p) => p.lagCounted)).toBe(true);
    expect(behind.partitions.reduce((n, p) => n + p.lag, 0)).toBe(MORE);
    expect(new Map(behind.partitions.map((p) => [p.partition, p.lag]))).toEqual(recordsAfter(records, behind));
    expect(behind.partitions.map((p) => p.committed)).toEqual(running.partitions.map((p) => p.committed));

    // one member drains it: it owns every partition, lag 0 again
    const third = scenario.consumer('member-c', 'stream', { KAFKA_CLIENT_ID: 'member-c' }).start();
    const drained = await waitFor('the one member to drain the group (lag 0)', async () => {
      const v = await view();
      return v.partitions.every((p) => p.lag === 0 && p.owner?.clientId === 'member-c') ? v : undefined;
    });
    expect(drained.members.map((m) => m.clientId)).toEqual(['member-c']);
    expect([...recordsAfter(records, drained).values()]).toEqual([0, 0, 0]);
    expect(await third.terminate()).toBe(0);
    expect(await producer.terminate()).toBe(0);
  });
});

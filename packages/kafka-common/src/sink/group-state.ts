import { ConnectionError, type Logger } from '@buyonline/connect-api';
import kafkaJavascript, { type KafkaConsumer } from '@confluentinc/kafka-javascript';
import type { KafkaConfig } from '../shared/kafka-config.ts';
import { connectRaw, consumeRaw, createKafka, createRawConsumer, disconnectRaw } from '../shared/kafka-clients.ts';

const { KafkaJS } = kafkaJavascript;

/** A member of a consumer group as Kafka names it. */
export interface GroupMember {
  memberId: string;
  clientId: string;
  host: string;
}

/** One partition of the group: who owns it, where the group stands and how far behind it is. */
export interface GroupPartitionState {
  topic: string;
  partition: number;
  /** The member it is assigned to; null when nobody owns it (no member, or not assigned). */
  owner: GroupMember | null;
  /** The group's committed offset (the next offset to read); null when the group never committed one. */
  committed: number | null;
  /** The partition's first offset still held (where a group without a committed offset starts). */
  start: number;
  /** The last stable offset (read_committed end of the partition). */
  end: number;
  /**
   * Records waiting: counted by reading from the committed offset (or the start) to the end, so
   * transaction markers and aborted records do not count; when more than `countLimit` offsets
   * lie between them, the offsets between (lagCounted false).
   */
  lag: number;
  lagCounted: boolean;
}

/** What `status --group` shows: the group, its members and every partition of its topics. */
export interface GroupState {
  group: string;
  /** Kafka's state of the group: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead, Unknown. */
  state: string;
  members: (GroupMember & { partitions: string[] })[];
  partitions: GroupPartitionState[];
}

export interface GroupStateOptions {
  /** Above this many offsets between position and end, lag is the offset difference instead of a count (default 10,000). */
  countLimit?: number;
  /** Longest the count reads, in all (default 15 s); partitions not done by then show the offset difference. */
  countTimeoutMs?: number;
}

const STATE_NAMES: Record<number, string> = {
  0: 'Unknown',
  1: 'PreparingRebalance',
  2: 'CompletingRebalance',
  3: 'Stable',
  4: 'Dead',
  5: 'Empty',
};

const tpKey = (topic: string, partition: number) => `${topic}[${partition}]`;

/** The topics a subscription names: the names as they are, patterns (`^…`) matched against the topics there. */
export function subscribedTopics(subscription: readonly string[], existing: readonly string[]): string[] {
  const out = new Set<string>();
  for (const entry of subscription) {
    if (!entry.startsWith('^')) out.add(entry);
    else for (const topic of existing) if (new RegExp(entry).test(topic)) out.add(topic);
  }
  return [...out].filter((t) => existing.includes(t));
}

/**
 * A consumer group as Kafka holds it, whether or not any member runs: its members and their
 * assignment (describe groups), its committed offsets (fetch offsets) and its topics' end
 * offsets (read_committed), for the topics of `subscription` and every topic the group has
 * committed to or been assigned.
 */
export async function readGroupState(config: KafkaConfig, groupId: string, subscription: readonly string[], logger: Logger, options: GroupStateOptions = {}): Promise<GroupState> {
  const admin = createKafka(config, logger).admin();
  try {
    await admin.connect();
  } catch (err) {
    throw new ConnectionError(`cannot reach Kafka at ${config.brokers.join(',')}: ${(err as Error).message}`, { cause: err });
  }
  let ranges: (Omit<GroupPartitionState, 'lag' | 'lagCounted'> & { from: number })[];
  let described: { state: string; members: (GroupMember & { partitions: string[] })[] };
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups.find((g) => g.groupId === groupId);
    if (group?.error) throw new ConnectionError(`cannot describe the consumer group ${groupId}: ${group.error.message}`);
    const members = (group?.members ?? []).map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      host: m.clientHost,
      partitions: (m.assignment?.topicPartitions ?? []).map((tp) => tpKey(tp.topic, tp.partition)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
    }));
    members.sort((a, b) => a.clientId.localeCompare(b.clientId) || a.memberId.localeCompare(b.memberId));
    const owners = new Map<string, GroupMember>();
    for (const m of members) for (const key of m.partitions) owners.set(key, { memberId: m.memberId, clientId: m.clientId, host: m.host });
    const committed = new Map<string, number>();
    const existing = await admin.listTopics();
    const topics = new Set(subscribedTopics(subscription, existing));
    for (const t of await admin.fetchOffsets({ groupId })) {
      for (const p of t.partitions) {
        if (Number(p.offset) >= 0) committed.set(tpKey(t.topic, p.partition), Number(p.offset));
        topics.add(t.topic);
      }
    }
    for (const m of group?.members ?? []) for (const tp of m.assignment?.topicPartitions ?? []) topics.add(tp.topic);
    ranges = [];
    // a topic the group once committed to may be gone: its offsets cannot be asked for
    for (const topic of [...topics].filter((t) => existing.includes(t)).sort()) {
      const offsets = await admin.fetchTopicOffsets(topic, { isolationLevel: KafkaJS.IsolationLevel.READ_COMMITTED });
      for (const o of offsets.sort((a, b) => a.partition - b.partition)) {
        const key = tpKey(topic, o.partition);
        const start = Number(o.low);
        const end = Number(o.high);
        const position = committed.get(key) ?? null;
        ranges.push({ topic, partition: o.partition, owner: owners.get(key) ?? null, committed: position, start, end, from: Math.max(position ?? start, start) });
      }
    }
    described = { state: STATE_NAMES[group?.state ?? 0] ?? 'Unknown', members };
  } finally {
    await admin.disconnect();
  }
  const counts = await countRecords(config, groupId, ranges.filter((r) => r.end > r.from && r.end - r.from <= (options.countLimit ?? 10_000)), options.countTimeoutMs ?? 15_000);
  return {
    group: groupId,
    ...described,
    partitions: ranges.map(({ from, ...r }) => {
      const counted = r.end <= from ? 0 : counts.get(tpKey(r.topic, r.partition));
      return { ...r, lag: counted ?? r.end - from, lagCounted: counted !== undefined };
    }),
  };
}

/**
 * The records (read_committed) between `from` and `end` of each partition, read without joining
 * any group; a partition not read to its end within the time allowed is left out.
 */
async function countRecords(config: KafkaConfig, groupId: string, ranges: readonly { topic: string; partition: number; from: number; end: number }[], timeoutMs: number): Promise<Map<string, number>> {
  const done = new Map<string, number>();
  if (ranges.length === 0) return done;
  // assigned, never subscribed and never committed: the group id only satisfies the client
  const consumer: KafkaConsumer = createRawConsumer(config, { 'group.id': `${groupId}.status`, 'enable.partition.eof': true });
  await connectRaw(consumer);
  try {
    const open = new Map(ranges.map((r) => [tpKey(r.topic, r.partition), { ...r, count: 0 }]));
    // a batch's end-of-partition events come before its messages are handed over: noted here, applied after counting
    const reachedEnd = new Map<string, number>();
    consumer.on('partition.eof', (eof) => reachedEnd.set(tpKey(eof.topic, eof.partition), eof.offset));
    consumer.assign(ranges.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.from })));
    const deadline = Date.now() + timeoutMs;
    while (open.size > 0 && Date.now() < deadline) {
      for (const m of await consumeRaw(consumer, 1000)) {
        const range = open.get(tpKey(m.topic, m.partition));
        if (range && m.offset >= range.from && m.offset < range.end) range.count++;
      }
      for (const [key, range] of open) {
        const position = consumer.position([{ topic: range.topic, partition: range.partition }])[0]?.offset ?? -1;
        if (Math.max(position, reachedEnd.get(key) ?? -1) >= range.end) {
          done.set(key, range.count);
          open.delete(key);
        }
      }
    }
  } finally {
    await disconnectRaw(consumer);
  }
  return done;
}

import { formatCount } from '@buyonline/app-runtime';
import { CdcError, describeError, type PluginContext, silentLogger } from '@buyonline/connect-api';
import { type GroupPartitionState, type GroupState, readGroupState } from '@buyonline/kafka-common';
import { lastStageFiles, type StageSinkConfig } from '@buyonline/sink-stage';
import { type ConsumerEnv, sinkConfigFrom, subscriptionOf } from './env.ts';

/** One partition of the group with the last file the stage holds of it. */
export interface GroupPartitionView extends GroupPartitionState {
  /** Null when the stage holds none of it, or cannot say (`lastFileNote` says why). */
  lastFile: string | null;
  lastFileNote?: string;
}

/** What `status --group` prints: the group from Kafka, each partition with its last file. */
export interface GroupStatusView extends Omit<GroupState, 'partitions'> {
  partitions: GroupPartitionView[];
}

const ctx: PluginContext = { logger: silentLogger, metrics: { count: () => undefined, gauge: () => undefined, observe: () => undefined }, now: Date.now };

/** The stage's config, or why the last files cannot be read (a sink other than the two stages). */
function stageOf(env: ConsumerEnv): StageSinkConfig | string {
  try {
    return sinkConfigFrom(env);
  } catch (err) {
    if (err instanceof CdcError && err.code === 'CONFIG_INVALID') return err.message;
    throw err;
  }
}

/**
 * `status --group`: the consumer group as Kafka holds it (it needs no running member: a stopped
 * group shows its committed positions, owner none), each partition with the last file of the stage.
 */
export async function readGroupStatus(env: ConsumerEnv): Promise<GroupStatusView> {
  const state = await readGroupState({ brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID }, env.CONSUMER_GROUP, subscriptionOf(env), silentLogger);
  const stage = stageOf(env);
  let files: Map<string, string | null> | undefined;
  let note: string | undefined;
  if (typeof stage === 'string') note = stage;
  else {
    try {
      const last = await lastStageFiles(stage, ctx, state.partitions);
      files = new Map(last.map((f) => [`${f.topic}[${f.partition}]`, f.lastFile]));
    } catch (err) {
      note = `cannot list the stage: ${describeError(err)}`;
    }
  }
  return {
    ...state,
    partitions: state.partitions.map((p) => {
      const lastFile = files?.get(`${p.topic}[${p.partition}]`) ?? null;
      return note === undefined ? { ...p, lastFile } : { ...p, lastFile, lastFileNote: note };
    }),
  };
}

function owner(p: GroupPartitionView): string {
  return p.owner ? `${p.owner.clientId} ${p.owner.host} (${p.owner.memberId})` : 'none';
}

/** `status --group` for people: the group and its state, its members, then one line per partition. */
export function renderGroupStatus(view: GroupStatusView): string {
  const lines = [`group ${view.group}: ${view.state}, ${view.members.length} member${view.members.length === 1 ? '' : 's'}`];
  for (const m of view.members) lines.push(`  member ${m.clientId} ${m.host} (${m.memberId}): ${m.partitions.length > 0 ? m.partitions.join(', ') : 'no partitions'}`);
  if (view.partitions.length === 0) lines.push('  no partitions: the group committed nothing and its topics do not exist (yet)');
  const width = Math.max(0, ...view.partitions.map((p) => `${p.topic}[${p.partition}]`.length));
  for (const p of view.partitions) {
    const lag = `${p.lagCounted ? '' : '≤ '}${formatCount(p.lag)}`;
    const at = p.committed === null ? `nothing committed (from ${p.start})` : `at ${p.committed}`;
    const file = p.lastFile ?? (p.lastFileNote ? `n/a (${p.lastFileNote})` : 'none');
    lines.push(`  ${`${p.topic}[${p.partition}]`.padEnd(width)}  owner ${owner(p)} · ${at} · end ${p.end} · lag ${lag} · last file ${file}`);
  }
  return `${lines.join('\n')}\n`;
}

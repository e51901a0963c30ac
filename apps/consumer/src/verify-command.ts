import { createLogger, type EnvValues, type LogLevel, type PipelineFile, PrometheusMetrics } from '@buyonline/app-runtime';
import { ConfigError, ConnectionError, silentLogger } from '@buyonline/connect-api';
import { readGroupState } from '@buyonline/kafka-common';
import { capturedTables, verifyAndRepair, verifyOutput } from '@buyonline/reconcile';
import type { StageSinkConfig } from '@buyonline/sink-stage';
import { z } from 'zod';
import type { ConsumerEnv } from './env.ts';
import { pipelineSource } from './reconcile-targets.ts';

/** The verify command's own flags: one schema, the parser and the help text. */
export const verifyFlagsSchema = z.object({
  rangeKeys: z.coerce.number().int().positive().default(1000).describe('keys per range: each range is hashed on both sides, rows compared only where the hashes differ'),
  rowsPerSecond: z.coerce.number().positive().optional().describe('PostgreSQL rows read per second at most (default: no limit)'),
  repair: z.boolean().default(false).describe('ask the capture for an incremental snapshot of each mismatched range, then verify again'),
  waitSeconds: z.coerce.number().positive().default(120).describe('how long the slot and the consumer group may take to reach the point'),
});

export type VerifyFlags = z.output<typeof verifyFlagsSchema>;

/** `--range-keys 500 --rows-per-second 10000 --repair` as parsed by node's parseArgs → the flags, or a ConfigError naming the flag. */
export function parseVerifyFlags(raw: { 'range-keys'?: string | undefined; 'rows-per-second'?: string | undefined; repair?: boolean | undefined; 'wait-seconds'?: string | undefined }): VerifyFlags {
  const parsed = verifyFlagsSchema.safeParse({ rangeKeys: raw['range-keys'], rowsPerSecond: raw['rows-per-second'], repair: raw.repair, waitSeconds: raw['wait-seconds'] });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = String(issue?.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new ConfigError(`verify: --${flag}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once the consumer group committed, in every partition of `topics`, what Kafka held
 * when it was called: its committed offset reached the end read then, or nothing but transaction
 * markers lies between them.
 */
export function groupCaughtUp(env: ConsumerEnv, topics: readonly string[], waitMs: number): () => Promise<void> {
  const kafka = { brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID };
  return async () => {
    const read = async () => (await readGroupState(kafka, env.CONSUMER_GROUP, [...topics], silentLogger)).partitions.filter((p) => topics.includes(p.topic));
    const ends = new Map((await read()).map((p) => [`${p.topic}[${p.partition}]`, p.end]));
    const deadline = Date.now() + waitMs;
    for (;;) {
      const behind = (await read()).filter((p) => {
        const end = ends.get(`${p.topic}[${p.partition}]`);
        if (end === undefined) return false;
        return (p.committed ?? p.start) < end && !(p.lagCounted && p.lag === 0);
      });
      if (behind.length === 0) return;
      if (Date.now() > deadline) {
        const first = behind[0];
        throw new ConnectionError(`verify: consumer group ${env.CONSUMER_GROUP} did not commit ${first?.topic}[${first?.partition}] up to ${ends.get(`${first?.topic}[${first?.partition}]`)} within ${waitMs} ms: is the consumer running?`);
      }
      await sleep(500);
    }
  };
}

/**
 * `buyonline-consumer verify --pipeline FILE`: every table the file's `source:` captures, at one
 * point (@buyonline/reconcile's verifyAndRepair), against the stage its `sink:` writes; the
 * consumer group is CONSUMER_GROUP. Prints the report (one JSON line with `json`) and returns the
 * exit code: 0 equal, 3 differences (a bad flag or file is a ConfigError: 2).
 */
export async function runVerify(
  pipeline: PipelineFile | undefined,
  vars: EnvValues,
  env: ConsumerEnv,
  sink: StageSinkConfig,
  flags: VerifyFlags & { json: boolean; logLevel: LogLevel },
): Promise<number> {
  if (!pipeline) throw new ConfigError('verify needs --pipeline FILE (or PIPELINE_FILE): its source: says which tables and which slot');
  const source = await pipelineSource(pipeline, vars, 'verify');
  if (source.mode === 'polling') throw new ConfigError('verify compares at a WAL position: it needs the log-based capture (mode: logical)');
  const targets = await capturedTables(source);
  const logger = createLogger('consumer', flags.logLevel === 'debug' ? 'debug' : 'warn');
  const ctx = { logger, metrics: new PrometheusMetrics('buyonline_consumer'), now: Date.now };
  const topics = targets.tables.flatMap((t) => (typeof t.topic === 'string' ? [t.topic] : [...t.topic]));
  const waitMs = flags.waitSeconds * 1000;
  const outcome = await verifyAndRepair(
    { ...targets, sink, slot: source.slot, rangeKeys: flags.rangeKeys, rowsPerSecond: flags.rowsPerSecond, waitMs, stageCaughtUp: groupCaughtUp(env, topics, waitMs) },
    { repair: flags.repair },
    ctx,
  );
  const { text, exitCode } = verifyOutput(outcome, flags.json);
  process.stdout.write(text);
  return exitCode;
}

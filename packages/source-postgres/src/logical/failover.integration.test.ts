import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseConfig, type SourceRecord } from '@buyonline/connect-api';
import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { LogicalReplicationTask } from './replication-task.ts';
import { postgresSourceConfigSchema } from '../config.ts';

/**
 * A failover under the capture: PostgreSQL 17+ with a hot standby that synchronizes failover
 * slots, as `bash tooling/stack/postgres-version.sh standby MAJOR` makes them (the version matrix,
 * scripts/test-pg-versions.sh, runs this for 17 and 18 and sets PG_STANDBY_URL). The primary is
 * killed with -9 and the standby promoted while the task streams; the task reconnects to the new
 * primary and resumes from its position, without a snapshot and without losing or repeating a row.
 */
const primaryUrl = process.env.PG_URL ?? 'postgres://buyonline:buyonline@127.0.0.1:15432/buyonline';
const standbyUrl = process.env.PG_STANDBY_URL;
const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');

function hostOf(url: string): string {
  return new URL(url).host;
}

const admin = postgres(primaryUrl, { max: 1, onnotice: () => undefined });
const [version] = standbyUrl ? await admin<{ num: number }[]>`select current_setting('server_version_num')::int as num` : [];
const major = Math.floor((version?.num ?? 0) / 10000);
const skip = !standbyUrl ? 'PG_STANDBY_URL is not set (no standby)' : major < 17 ? `PostgreSQL ${major} has no failover slots` : '';
if (skip) process.stdout.write(`[failover] skipped: ${skip}\n`);

const id = `it_failover_${process.pid}_${Date.now() % 100000}`;

afterAll(async () => {
  await admin.end({ timeout: 1 }).catch(() => undefined);
});

/** Records as the worker would have put them into Kafka: a batch counts once commit() was called for it. */
async function drain(t: LogicalReplicationTask, into: SourceRecord[], until: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!until()) {
    if (Date.now() > deadline) throw new Error(`timed out with ${into.length} records`);
    let batch: SourceRecord[];
    try {
      batch = await t.poll(new AbortController().signal);
    } catch {
      // The stream failed (the primary is gone): the worker waits and polls again, and so do we.
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    for (const r of batch) if (!r.positionOnly) into.push(r);
    if (batch.length > 0 && !batch.at(-1)?.inTransaction) await t.commit(batch).catch(() => undefined);
  }
}

const idOf = (r: SourceRecord) => ((r.value as { after?: { id?: number } | null }).after?.id ?? -1) as number;

describe.skipIf(skip !== '')('a failover of PostgreSQL under the capture (failover slots, 17+)', () => {
  it('resumes on the promoted standby from its position: every row once, no snapshot', async () => {
    const both = `postgres://buyonline:buyonline@${hostOf(primaryUrl)},${hostOf(standbyUrl as string)}/buyonline?target_session_attrs=read-write`;
    await admin.unsafe(`create schema "${id}"`);
    await admin.unsafe(`create table "${id}".items (id int primary key, note text)`);
    await admin.unsafe(`alter table "${id}".items replica identity full`);
    await admin.unsafe(`insert into "${id}".items select g, 'snapshot' from generate_series(1, 100) g`);
    const config = parseConfig(postgresSourceConfigSchema, { mode: 'logical', url: both, tables: [`${id}.items`], topicTemplate: 't', slot: id, publication: id, pollIntervalMs: 50 });
    const t = new LogicalReplicationTask(config, noopContext());
    const got: SourceRecord[] = [];
    try {
      await t.start(staticOffsets());
      await drain(t, got, () => got.length >= 100, 30_000);
      for (let i = 101; i <= 150; i++) await admin.unsafe(`insert into "${id}".items values (${i}, 'before')`);
      await drain(t, got, () => got.length >= 150, 30_000);
      const [slot] = await admin<{ failover: boolean }[]>`select failover from pg_replication_slots where slot_name = ${id}`;
      expect(slot?.failover).toBe(true);

      // The standby's copy of the slot becomes usable once the primary's slot has moved past the
      // standby's own catalog horizon: a running-xacts record and a confirmed position after it.
      const standby = postgres(standbyUrl as string, { max: 1, onnotice: () => undefined });
      try {
        const deadline = Date.now() + 90_000;
        for (;;) {
          await admin`select pg_log_standby_snapshot()`;
          await admin`select pg_logical_emit_message(true, 'it-failover', 'tick')`;
          const before = got.length;
          await drain(t, got, () => false, 1_000).catch(() => undefined);
          expect(got.length).toBe(before);
          const [primarySlot] = await admin<{ lsn: string }[]>`select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = ${id}`;
          const [synced] = await standby<{ behind: boolean | null }[]>`
            select confirmed_flush_lsn < ${primarySlot?.lsn ?? '0/0'}::pg_lsn as behind
              from pg_replication_slots where slot_name = ${id} and synced and not temporary`;
          if (synced && synced.behind === false) break;
          if (Date.now() > deadline) throw new Error('the standby never synchronized the failover slot');
        }
      } finally {
        await standby.end({ timeout: 1 });
      }

      // More rows, some of them possibly not yet confirmed when the primary dies.
      for (let i = 151; i <= 180; i++) await admin.unsafe(`insert into "${id}".items values (${i}, 'around')`);
      await drain(t, got, () => got.length >= 165, 30_000);
      await admin.end({ timeout: 1 }).catch(() => undefined);
      execFileSync('bash', [join(repoRoot, 'tooling', 'stack', 'postgres-version.sh'), 'crash', String(major)], { stdio: 'inherit' });
      execFileSync('bash', [join(repoRoot, 'tooling', 'stack', 'postgres-version.sh'), 'promote', String(major)], { stdio: 'inherit' });

      const promoted = postgres(standbyUrl as string, { max: 1, onnotice: () => undefined });
      try {
        for (let i = 181; i <= 200; i++) await promoted.unsafe(`insert into "${id}".items values (${i}, 'after')`);
        await drain(t, got, () => new Set(got.map(idOf)).size >= 200, 120_000);
        const ops = got.map((r) => (r.value as { op: string }).op);
        // No snapshot again: the 100 reads of the start, then only changes.
        expect(ops.filter((op) => op === 'r')).toHaveLength(100);
        const ids = got.map(idOf).sort((a, b) => a - b);
        expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      } finally {
        await promoted.end({ timeout: 1 });
      }
    } finally {
      await t.stop();
    }
  }, 300_000);
});

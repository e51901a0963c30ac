import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from './support/kafka-topic.ts';
import { ledgerNumbers, ledgerSql, startLedgerWriters, txOfName } from './support/ledger-writer.ts';
import { bothHostsUrl, pairCommand, slotRow, waitForSyncedSlot } from './support/pg-pair.ts';
import { lsnValue, versionProblems } from './support/row-versions.ts';
import { changesInKafka, Scenario, waitFor } from './support/scenario.ts';

/**
 * A failover of PostgreSQL (17+, failover slots) under the whole producer: primary and hot standby
 * as `bash tooling/stack/postgres-version.sh standby MAJOR` makes them (PG_STANDBY_URL; the version
 * matrix, scripts/test-pg-versions.sh, runs this on 17 and 18). The producer's PG_URL lists both
 * hosts; writers commit inserts, updates and deletes; the primary is killed (-9) and the standby
 * promoted; the writers go on on the new primary.
 * - The capture whose slot is a synchronized failover slot goes on by itself, from its stored
 *   position, without a snapshot: every change the new primary holds (its row history and ledger
 *   are the truth; a commit the old primary acknowledged and never replicated is lost by the
 *   database, and must then not be in Kafka either) is in Kafka exactly once (read_committed).
 * - A capture whose slot was not synchronized (made without FAILOVER) stops with the message and
 *   the recovery command, and `resnapshot` brings it back.
 */
const endpoints = inject('endpoints');
const standbyUrl = process.env.PG_STANDBY_URL;
const SEED = 2_000;

async function majorOf(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const [row] = await sql<{ num: number }[]>`select current_setting('server_version_num')::int as num`;
    return Math.floor((row?.num ?? 0) / 10000);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const major = standbyUrl ? await majorOf(endpoints.pgUrl) : 0;
const skip = !standbyUrl ? 'PG_STANDBY_URL is not set (no standby)' : major < 17 ? `PostgreSQL ${major} has no failover slots` : '';
if (skip) process.stdout.write(`[e2e] failover skipped: ${skip}\n`);

describe.skipIf(skip !== '')('kill -9 of the PostgreSQL primary and promotion of its standby under the producer (17+)', () => {
  // The producer follows the writable host (target_session_attrs); the test's own pools (writers,
  // checks) list both hosts without it: a write that reaches the standby before its promotion fails and is retried.
  const producerUrl = bothHostsUrl(endpoints.pgUrl, standbyUrl ?? endpoints.pgUrl, true);
  const both = bothHostsUrl(endpoints.pgUrl, standbyUrl ?? endpoints.pgUrl, false);
  const synced = new Scenario('failover', { ...endpoints, pgUrl: both });
  const unsynced = new Scenario('nofailover', { ...endpoints, pgUrl: both });
  const primary = postgres(endpoints.pgUrl, { max: 1, onnotice: () => undefined });
  const standby = postgres(standbyUrl ?? endpoints.pgUrl, { max: 1, onnotice: () => undefined });
  afterAll(async () => {
    await primary.end({ timeout: 1 }).catch(() => undefined);
    await standby.end({ timeout: 1 }).catch(() => undefined);
    await synced.cleanup();
    await unsynced.cleanup();
  });
  beforeAll(async () => {
    for (const s of [synced, unsynced]) {
      await s.seed(SEED);
      await s.sql.unsafe(ledgerSql(s.schema));
    }
    // A slot the standby does not synchronize: made before the producer, without FAILOVER.
    await primary`select pg_create_logical_replication_slot(${unsynced.slot}, 'pgoutput', false, false, false)`;
  });

  it('resumes on the promoted standby from the stored position: every surviving change once, no snapshot; an unsynchronized slot stops with the recovery command', async () => {
    // The settings failover slots need, on both sides.
    expect((await primary<{ s: string }[]>`select current_setting('synchronized_standby_slots') as s`)[0]?.s).toBe('buyonline_standby');
    expect((await standby<{ s: string }[]>`select current_setting('sync_replication_slots') as s`)[0]?.s).toBe('on');

    const producer = synced.producer('producer', { PG_URL: producerUrl }).start();
    let other = unsynced.producer('producer', { PG_URL: producerUrl }).start();
    await synced.waitUntilKafkaMatchesPostgres();
    await unsynced.waitUntilKafkaMatchesPostgres();
    expect((await slotRow(primary, synced.slot))?.failover).toBe(true);
    expect((await slotRow(primary, unsynced.slot))?.failover).toBe(false);

    const writers = startLedgerWriters(synced.sql, synced.schema, 3);
    const otherWriters = startLedgerWriters(unsynced.sql, unsynced.schema, 1);
    // Under load, the standby's copy of the slot becomes ready to survive a promotion.
    const copy = await waitForSyncedSlot(standby, synced.slot, 180_000);
    expect(copy.failover).toBe(true);
    expect(await slotRow(standby, unsynced.slot)).toBeUndefined();
    const before = writers.acknowledged.length;
    await waitFor('500 more transactions', () => (writers.acknowledged.length >= before + 500 ? true : undefined), 120_000, 200);

    const killedAt = Date.now();
    await pairCommand('crash', major);
    // The end of the old primary's WAL on the new timeline (the switch point of its history): every
    // change past it is the new primary's. (The standby's receive position read right after the kill
    // is not it: WAL already on its way still arrives, and the new primary replays it.)
    const { switchpoint } = await pairCommand('promote', major);
    expect(switchpoint).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const promotion = { lsn: switchpoint as string };
    const promotedAt = Date.now();
    // The writers reach the new primary by themselves (their pool follows the writable host).
    await waitFor('1,000 transactions on the new primary', () => (writers.acknowledged.filter((a) => a.at > killedAt).length >= 1_000 ? true : undefined), 240_000, 500);
    const { acknowledged, failed } = await writers.stop();
    await otherWriters.stop();

    // The capture with a synchronized slot never stopped; a fence row written last marks the end.
    expect(producer.running).toBe(true);
    const [fence] = await synced.sql.unsafe<{ id: number }[]>(`insert into ${synced.table} (name, price) values ('fence', 0) returning id::int as id`);
    await waitFor('the fence row in Kafka', async () => (changesInKafka(await readTopic(endpoints.brokers, synced.topic, endpoints.registryUrl)).some((c) => c.id === fence?.id) ? true : undefined), 240_000, 1_000);

    const records = await readTopic(endpoints.brokers, synced.topic, endpoints.registryUrl);
    const changes = changesInKafka(records);
    const history = await synced.history();
    const kept = await ledgerNumbers(synced.sql, synced.schema);
    // The truth is the new primary's: what it holds once, nothing it does not hold.
    const problems = versionProblems(history, changes, { everyVersion: true });
    const phantoms = changes.filter((c) => c.op !== 'd' && c.op !== 'r' && txOfName(c.fields?.name) !== undefined && !kept.has(txOfName(c.fields?.name) as number));
    const lostByDatabase = acknowledged.filter((a) => !kept.has(a.n));
    const afterKill = acknowledged.filter((a) => a.at > killedAt);
    const fromNewPrimary = records.filter((r) => lsnValue((r.value as { source?: { lsn?: string | null } } | null)?.source?.lsn) > lsnValue(promotion?.lsn));
    const resumedAt = Math.min(...fromNewPrimary.map((r) => r.timestamp ?? Number.POSITIVE_INFINITY));
    const reads = changes.filter((c) => c.op === 'r');
    const slot = await slotRow(standby, synced.slot);
    process.stdout.write(
      `[e2e] failover on PostgreSQL ${major}: 1 kill -9 of the primary; ${acknowledged.length} transactions acknowledged (${lostByDatabase.length} of them lost by the database: acknowledged by the old primary, never replicated), ` +
        `${failed} failed during the outage; ${history.length} row versions on the new primary, ${records.length} Kafka records; ` +
        `kill -> first change from the new primary in Kafka ${((resumedAt - killedAt) / 1000).toFixed(1)} s; slot on the new primary ${JSON.stringify(slot)}\n`,
    );
    expect(problems.slice(0, 10)).toEqual([]);
    expect(phantoms).toEqual([]);
    // Only the old primary may have lost an acknowledged commit (asynchronous replication); none the new one acknowledged.
    expect(lostByDatabase.filter((a) => a.at > promotedAt)).toEqual([]);
    expect(afterKill.length).toBeGreaterThanOrEqual(1_000);
    expect(Number.isFinite(resumedAt)).toBe(true);
    // Nothing reached Kafka before the kill from past the WAL the standby had received (synchronized_standby_slots).
    expect(fromNewPrimary.filter((r) => (r.timestamp ?? 0) <= killedAt)).toEqual([]);
    // No snapshot after the failover: the initial snapshot's reads only.
    expect(reads).toHaveLength(SEED);
    // The slot is the new primary's now, and the producer confirms on it.
    expect(slot?.failover).toBe(true);
    expect(slot?.temporary).toBe(false);
    expect(await primaryLsnAtLeast(synced.sql, slot?.confirmed ?? '0/0', promotion?.lsn ?? '0/0')).toBe(true);

    // The capture whose slot the standby never had stops, saying how to recover.
    const code = await other.wait(240_000);
    expect(code).not.toBe(0);
    const log = readFileSync(other.logFile, 'utf8');
    // It had said so at start; the capture with a failover slot had nothing to warn about.
    expect(log).toContain(`slot ${unsynced.slot} is not a failover slot`);
    expect(readFileSync(producer.logFile, 'utf8')).not.toContain('failover slot');
    expect(log).toContain(`replication slot ${unsynced.slot}`);
    expect(log).toContain('buyonline-producer resnapshot');
    // The recovery command, then a fresh snapshot from the new primary.
    expect(await unsynced.producer('resnapshot', { PG_URL: producerUrl }, ['resnapshot']).start().wait()).toBe(0);
    other = unsynced.producer('producer-after-resnapshot', { PG_URL: producerUrl }).start();
    await unsynced.waitUntilKafkaMatchesPostgres();
    expect(await other.terminate()).toBe(0);
    expect(await producer.terminate()).toBe(0);
  });
});

async function primaryLsnAtLeast(sql: postgres.Sql, lsn: string, than: string): Promise<boolean> {
  const [row] = await sql<{ ok: boolean }[]>`select ${lsn}::pg_lsn >= ${than}::pg_lsn as ok`;
  return row?.ok === true;
}

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Sql } from 'postgres';
import { repoRoot } from './native-stack.ts';
import { sleep } from './scenario.ts';

/**
 * A primary and its hot standby as `bash tooling/stack/postgres-version.sh standby MAJOR` makes
 * them (the version matrix, scripts/test-pg-versions.sh, passes PG_STANDBY_URL): one URL listing
 * both for whoever must follow the writable one, and the script's crash and promote.
 */
export function bothHostsUrl(primaryUrl: string, standbyUrl: string, readWrite: boolean): string {
  const p = new URL(primaryUrl);
  const auth = `${p.username}:${p.password}`;
  return `postgres://${auth}@${p.host},${new URL(standbyUrl).host}${p.pathname}${readWrite ? '?target_session_attrs=read-write' : ''}`;
}

/** `crash` (kill -9 of the primary's postmaster) or `promote` (the standby becomes the primary); the event loop (writers) goes on meanwhile. */
/** Runs a command on the pair; returns its `name=value` lines (promote prints `switchpoint`). */
export async function pairCommand(command: 'crash' | 'promote', major: number): Promise<Record<string, string>> {
  const { stdout, stderr } = await promisify(execFile)('bash', [join(repoRoot, 'tooling', 'stack', 'postgres-version.sh'), command, String(major)]);
  process.stdout.write(stderr);
  return Object.fromEntries(
    stdout
      .split('\n')
      .map((line) => line.match(/^(\w+)=(.*)$/))
      .filter((m): m is RegExpMatchArray => m !== null)
      .map((m) => [m[1] as string, m[2] as string]),
  );
}

export interface SlotRow {
  failover: boolean;
  synced: boolean;
  temporary: boolean;
  confirmed: string | null;
  invalidation: string | null;
}

export async function slotRow(sql: Sql, slot: string): Promise<SlotRow | undefined> {
  const [row] = await sql<SlotRow[]>`
    select failover, synced, temporary, confirmed_flush_lsn::text as confirmed, invalidation_reason as invalidation
      from pg_replication_slots where slot_name = ${slot}`;
  return row;
}

/**
 * Waits until the standby's copy of `slot` is ready to survive a promotion: synchronized, no
 * longer temporary (a temporary synced slot is dropped at promotion), not invalidated.
 */
export async function waitForSyncedSlot(standby: Sql, slot: string, timeoutMs: number): Promise<SlotRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await slotRow(standby, slot);
    if (row?.synced && !row.temporary && row.invalidation === null) return row;
    if (Date.now() > deadline) throw new Error(`the standby's copy of slot ${slot} is not ready after ${timeoutMs} ms: ${JSON.stringify(row ?? 'absent')}`);
    await sleep(500);
  }
}

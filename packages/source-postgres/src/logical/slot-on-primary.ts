import { ConnectionError } from '@buyonline/connect-api';
import postgres from 'postgres';
import { classifyPgError } from '../pg-errors.ts';
import { lostSlotMessage, SourcePositionLostError } from './slot-admin.ts';

/** What a host says of itself and of the slot. */
export interface SlotOnHost {
  standby: boolean;
  exists: boolean;
  walStatus: string | null;
  /** `invalidation_reason` (PostgreSQL 17+: rows_removed, wal_removed, wal_level_insufficient, idle_timeout), else null. */
  invalidation: string | null;
}

const hostOf = (url: string) => /@([^/?#]*)/.exec(url)?.[1] ?? url;

/**
 * Where a dropped stream goes on: the slot must be on the host that is the primary now. After a
 * failover that is the promoted standby, which holds the slot only if it synchronized it
 * (PostgreSQL 17+ failover slots); a slot it never had, or one invalidated, is a lost position:
 * the producer stops with the recovery command instead of retrying forever. While the URL lists
 * several hosts and the one found is still a standby (no promotion yet), or when it does not
 * answer, that is an outage to wait out (a URL of one standby is a standby as the source).
 */
export function checkSlotOnPrimary(found: SlotOnHost, slot: string, url: string, awaitingPrimary: boolean): void {
  const host = hostOf(url);
  if (found.standby && awaitingPrimary) throw new ConnectionError(`no primary among the hosts of the URL yet (${host} is a standby): waiting for a promotion`);
  if (!found.exists) {
    throw new SourcePositionLostError(
      lostSlotMessage(
        slot,
        `does not exist on the primary ${host} (after a failover: the promoted standby had no synchronized copy of it; that needs PostgreSQL 17+, ` +
          'sync_replication_slots = on on the standby and its physical slot in synchronized_standby_slots on the primary, see docs/operations.md)',
      ),
    );
  }
  if (found.walStatus === 'lost' || found.invalidation !== null) {
    throw new SourcePositionLostError(lostSlotMessage(slot, `was invalidated by PostgreSQL on ${host} (${found.invalidation ?? `wal_status = ${found.walStatus}`})`));
  }
}

/** Reads the slot on the one host of `url` (a single-host URL: primaryHostUrl's answer) and checks it (checkSlotOnPrimary). */
export async function ensureSlotOnPrimary(url: string, slot: string, awaitingPrimary: boolean): Promise<void> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, idle_timeout: 1, onnotice: () => undefined, fetch_types: false });
  let found: SlotOnHost;
  try {
    // invalidation_reason exists from PostgreSQL 17 on: read it through the row's JSON so older servers answer null.
    const [row] = await sql<{ standby: boolean; exists: boolean; wal_status: string | null; invalidation: string | null }[]>`
      select pg_is_in_recovery() as standby, s.slot_name is not null as exists, s.wal_status, to_jsonb(s) ->> 'invalidation_reason' as invalidation
        from (select 1) one left join pg_replication_slots s on s.slot_name = ${slot}`;
    found = { standby: row?.standby ?? false, exists: row?.exists ?? false, walStatus: row?.wal_status ?? null, invalidation: row?.invalidation ?? null };
  } catch (err) {
    throw classifyPgError(err, `slot ${slot}`);
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined);
  }
  checkSlotOnPrimary(found, slot, url, awaitingPrimary);
}

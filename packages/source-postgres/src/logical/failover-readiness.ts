import type { Sql } from 'postgres';

/** What decides whether a capture would survive a failover to a standby. */
export interface FailoverSetting {
  /** PG_URL lists several hosts: the operator expects a standby to take over. */
  severalHosts: boolean;
  /** PG_URL asks for the writable host (`target_session_attrs=read-write` or `primary`). */
  asksForPrimary: boolean;
  serverVersion: number;
  /** The primary's `synchronized_standby_slots` ('' when unset). */
  synchronizedStandbySlots: string;
  /** The slot's `failover` flag; undefined while the slot does not exist yet (the producer creates it with FAILOVER on 17+). */
  slotFailover: boolean | undefined;
}

/**
 * Why a failover would not go as PG_URL's host list promises, one sentence each (empty when it
 * would, or when PG_URL names one host): a PostgreSQL without failover slots, a slot made without
 * FAILOVER, or a primary that hands out changes its standby may not have yet.
 */
export function failoverWarnings(slot: string, s: FailoverSetting): string[] {
  if (!s.severalHosts) return [];
  const out: string[] = [];
  if (!s.asksForPrimary) {
    out.push(
      'PG_URL lists several hosts without target_session_attrs=read-write: its queries (slot checks, heartbeats, watermarks) may reach a standby, ' +
        'which refuses writes. Add ?target_session_attrs=read-write',
    );
  }
  if (s.serverVersion < 170000) {
    return [...out, `PG_URL lists several hosts, but PostgreSQL ${Math.floor(s.serverVersion / 10000)} has no failover slots: after a failover slot ${slot} is gone and the producer stops for a resnapshot`];
  }
  if (s.slotFailover === false) {
    out.push(
      `slot ${slot} is not a failover slot (made before PostgreSQL 17, or by hand): no standby keeps a copy, so after a failover the producer stops for a resnapshot. ` +
        `While the producer is stopped: ALTER_REPLICATION_SLOT "${slot}" (FAILOVER true) on a replication connection`,
    );
  }
  if (s.synchronizedStandbySlots.trim() === '') {
    out.push(
      "the primary's synchronized_standby_slots is empty: it may hand the producer changes its standby does not have yet, which a failover would then lose from " +
        "PostgreSQL while Kafka holds them. Set synchronized_standby_slots to the standby's physical slot (docs/operations.md)",
    );
  }
  return out;
}

/** Reads what failoverWarnings needs from the primary. */
export async function readFailoverSetting(sql: Sql, slot: string, url: string, severalHosts: boolean, serverVersion: number): Promise<FailoverSetting> {
  const asksForPrimary = /[?&]target_session_attrs=(read-write|primary)(&|$)/.test(url);
  if (!severalHosts || serverVersion < 170000) return { severalHosts, asksForPrimary, serverVersion, synchronizedStandbySlots: '', slotFailover: undefined };
  const [row] = await sql<{ standby_slots: string | null; failover: boolean | null }[]>`
    select current_setting('synchronized_standby_slots', true) as standby_slots,
           (select failover from pg_replication_slots where slot_name = ${slot}) as failover`;
  return { severalHosts, asksForPrimary, serverVersion, synchronizedStandbySlots: row?.standby_slots ?? '', slotFailover: row?.failover ?? undefined };
}

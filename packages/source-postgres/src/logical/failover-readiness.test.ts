import { describe, expect, it } from 'vitest';
import { failoverWarnings } from './failover-readiness.ts';

const ready = { severalHosts: true, asksForPrimary: true, serverVersion: 170010, synchronizedStandbySlots: 'standby1', slotFailover: true };

describe('failoverWarnings', () => {
  it('says nothing when PG_URL names one host, or when a failover would keep the slot', () => {
    expect(failoverWarnings('cdc', { ...ready, severalHosts: false, serverVersion: 150000 })).toEqual([]);
    expect(failoverWarnings('cdc', ready)).toEqual([]);
    expect(failoverWarnings('cdc', { ...ready, slotFailover: undefined })).toEqual([]);
  });

  it('warns that PostgreSQL before 17 loses the slot at a failover', () => {
    expect(failoverWarnings('cdc', { ...ready, serverVersion: 160004 })).toEqual([expect.stringMatching(/PostgreSQL 16 has no failover slots/)]);
  });

  it('names a slot made without FAILOVER, with the command that changes it', () => {
    expect(failoverWarnings('cdc', { ...ready, slotFailover: false })).toEqual([expect.stringMatching(/slot cdc is not a failover slot.*ALTER_REPLICATION_SLOT "cdc" \(FAILOVER true\)/)]);
  });

  it('asks for target_session_attrs=read-write when several hosts are listed without it', () => {
    expect(failoverWarnings('cdc', { ...ready, asksForPrimary: false })).toEqual([expect.stringMatching(/without target_session_attrs=read-write/)]);
  });

  it('warns when the primary does not wait for its standby (synchronized_standby_slots unset)', () => {
    expect(failoverWarnings('cdc', { ...ready, synchronizedStandbySlots: '' })).toEqual([expect.stringMatching(/synchronized_standby_slots is empty/)]);
  });
});

import { describe, expect, it } from 'vitest';
import { createSlotCommand, publicationOptions } from './slot-admin.ts';

describe('createSlotCommand', () => {
  it('asks PostgreSQL 15 and later for the exported snapshot with the option list', () => {
    expect(createSlotCommand('buyonline_cdc', 150013)).toBe(`CREATE_REPLICATION_SLOT "buyonline_cdc" LOGICAL pgoutput (SNAPSHOT 'export')`);
    expect(createSlotCommand('s', 160008)).toBe(`CREATE_REPLICATION_SLOT "s" LOGICAL pgoutput (SNAPSHOT 'export')`);
  });

  it('makes a failover slot from PostgreSQL 17 on, which a standby keeps in sync', () => {
    expect(createSlotCommand('s', 170010)).toBe(`CREATE_REPLICATION_SLOT "s" LOGICAL pgoutput (SNAPSHOT 'export', FAILOVER)`);
    expect(createSlotCommand('s', 180004)).toBe(`CREATE_REPLICATION_SLOT "s" LOGICAL pgoutput (SNAPSHOT 'export', FAILOVER)`);
  });

  it('makes no failover slot on a standby, where PostgreSQL refuses one (a slot made there is not synchronized anywhere)', () => {
    expect(createSlotCommand('s', 170010, { onStandby: true })).toBe(`CREATE_REPLICATION_SLOT "s" LOGICAL pgoutput (SNAPSHOT 'export')`);
    expect(createSlotCommand('s', 180004, { onStandby: true })).toBe(`CREATE_REPLICATION_SLOT "s" LOGICAL pgoutput (SNAPSHOT 'export')`);
  });

  it('uses the bare keyword on PostgreSQL 14, which has no option list', () => {
    expect(createSlotCommand('buyonline_cdc', 140023)).toBe('CREATE_REPLICATION_SLOT "buyonline_cdc" LOGICAL pgoutput EXPORT_SNAPSHOT');
  });
});

describe('publicationOptions', () => {
  it('publishes stored generated columns from PostgreSQL 18 on, where pgoutput can carry them', () => {
    expect(publicationOptions(170010)).toBe('publish_via_partition_root = true');
    expect(publicationOptions(180004)).toBe('publish_via_partition_root = true, publish_generated_columns = stored');
  });
});

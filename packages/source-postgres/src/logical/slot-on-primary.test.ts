import { ConnectionError } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { SourcePositionLostError } from './slot-admin.ts';
import { checkSlotOnPrimary, type SlotOnHost } from './slot-on-primary.ts';

const url = 'postgres://u:p@10.0.0.2:5432/db';
const healthy: SlotOnHost = { standby: false, exists: true, walStatus: 'reserved', invalidation: null };
const check = (found: Partial<SlotOnHost>, awaitingPrimary = true) => () => checkSlotOnPrimary({ ...healthy, ...found }, 'cdc', url, awaitingPrimary);

describe('checkSlotOnPrimary', () => {
  it('lets a stream go on where the primary holds a valid slot', () => {
    expect(check({})).not.toThrow();
  });

  it('waits (a retriable outage) while the host found is still a standby of a multi-host URL', () => {
    expect(check({ standby: true })).toThrow(ConnectionError);
  });

  it('takes a standby as the source when the URL names only it', () => {
    expect(check({ standby: true }, false)).not.toThrow();
  });

  it('stops with the recovery command when the promoted host has no copy of the slot', () => {
    expect(check({ exists: false })).toThrow(SourcePositionLostError);
    expect(check({ exists: false })).toThrow(/slot cdc does not exist on the primary 10\.0\.0\.2:5432.*buyonline-producer resnapshot/s);
  });

  it('stops when the slot was invalidated, naming why', () => {
    expect(check({ invalidation: 'rows_removed' })).toThrow(/invalidated by PostgreSQL on 10\.0\.0\.2:5432 \(rows_removed\)/);
    expect(check({ walStatus: 'lost' })).toThrow(SourcePositionLostError);
  });
});

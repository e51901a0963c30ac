import { describe, expect, it } from 'vitest';
import { pointFilter, reached } from './verify-point.ts';

// A point at 0/3000 whose snapshot saw every xid below 100 committed but 95 and 97, still in progress.
const point = { lsn: '0/3000', snapshot: '90:100:95,97' };

describe("verify's point: a snapshot with the WAL position read in it", () => {
  const atPoint = pointFilter(point);

  it('holds a change committed before the snapshot with an LSN below the point', () => {
    expect(atPoint({ lsn: '0/2FFF', txid: 99 })).toBe(true);
    expect(atPoint({ lsn: '0/1000', txid: 12 })).toBe(true);
  });

  it('leaves out a change at or past the point', () => {
    expect(atPoint({ lsn: '0/3000', txid: 50 })).toBe(false);
    expect(atPoint({ lsn: '1/0', txid: 50 })).toBe(false);
  });

  it('leaves out a transaction in progress at the snapshot (in xip, or at or past xmax) even below the point', () => {
    expect(atPoint({ lsn: '0/2000', txid: 95 })).toBe(false);
    expect(atPoint({ lsn: '0/2000', txid: 97 })).toBe(false);
    expect(atPoint({ lsn: '0/2000', txid: 100 })).toBe(false);
    expect(atPoint({ lsn: '0/2000', txid: 96 })).toBe(true);
  });

  it('judges xids modulo 2^32, as pgoutput reports them, against an xid8 snapshot', () => {
    const epoch1 = pointFilter({ lsn: '5/0', snapshot: `${2 ** 32 + 10}:${2 ** 32 + 20}:${2 ** 32 + 15}` });
    expect(epoch1({ lsn: '4/0', txid: 12 })).toBe(true);
    expect(epoch1({ lsn: '4/0', txid: 15 })).toBe(false);
    expect(epoch1({ lsn: '4/0', txid: 21 })).toBe(false);
  });

  it('judges a txid read back as text or a bigint (a Snowflake NUMBER) like a number', () => {
    expect(atPoint({ lsn: '0/2000', txid: '95' })).toBe(false);
    expect(atPoint({ lsn: '0/2000', txid: 95n })).toBe(false);
    expect(atPoint({ lsn: '0/2000', txid: '96' })).toBe(true);
  });

  it('judges a snapshot read (no txid) by its LSN alone', () => {
    expect(atPoint({ lsn: '0/2000', txid: null })).toBe(true);
    expect(atPoint({ lsn: '0/4000', txid: null })).toBe(false);
  });

  it('knows when the slot confirmed the point', () => {
    expect(reached('0/3000', point)).toBe(true);
    expect(reached('0/2FFF', point)).toBe(false);
    expect(reached(null, point)).toBe(false);
    expect(reached('1/0', point)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { compareLsn, normalizeLsn } from './lsn.ts';
import { SnapshotVisibility } from './snapshot-visibility.ts';
import { lsnAfter } from './lsn.ts';

describe('LSNs', () => {
  it('compare as 64-bit positions whatever their text form', () => {
    expect(normalizeLsn('00000000/01535F98')).toBe('0/1535F98');
    expect(compareLsn('0/1535D40', '00000000/01535F98')).toBe(-1);
    expect(compareLsn('1/0', '0/FFFFFFFF')).toBe(1);
    expect(compareLsn('0/A', '0/a')).toBe(0);
  });

  it('the position just after one carries into the high half', () => {
    expect(lsnAfter('0/1535D40')).toBe('0/1535D41');
    expect(lsnAfter('0/FFFFFFFF')).toBe('1/0');
  });
});

describe('SnapshotVisibility', () => {
  it('sees transactions finished before the snapshot, not those running or later', () => {
    const snap = new SnapshotVisibility('100:105:101,103');
    expect([99, 100, 101, 102, 103, 104, 105, 106].map((x) => snap.sees(x))).toEqual([true, true, false, true, false, true, false, false]);
  });

  it('compares 32-bit xids from pgoutput with xid8 snapshots across an epoch', () => {
    const epoch = 1n << 32n;
    const snap = new SnapshotVisibility(`${epoch + 5n}:${epoch + 10n}:`);
    expect(snap.sees(4)).toBe(true);
    expect(snap.sees(7)).toBe(true);
    expect(snap.sees(10)).toBe(false);
    expect(snap.sees(0xfffffff0)).toBe(true); // just before the wrap: older
  });
});

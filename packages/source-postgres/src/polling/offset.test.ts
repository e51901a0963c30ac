import { ConfigError } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { readPollingOffset } from './offset.ts';

describe('readPollingOffset', () => {
  it('reads a stored position back as it was written', () => {
    const stored = { snapshot_horizon: '900', txid: '950', key: '["1","a  "]' };
    expect(readPollingOffset(stored, 2, 's.t')).toEqual(stored);
    expect(readPollingOffset({ snapshot_horizon: '900', txid: '0', key: null }, 3, 's.t')).toEqual({ snapshot_horizon: '900', txid: '0', key: null });
    expect(readPollingOffset(undefined, 1, 's.t')).toBeUndefined();
  });

  it('reads the single-table producer’s { snapshot_horizon, txid, id } as a one-column key', () => {
    expect(readPollingOffset({ snapshot_horizon: '900', txid: '950', id: '42' }, 1, 's.t')).toEqual({ snapshot_horizon: '900', txid: '950', key: '["42"]' });
    // Its "before every row" sentinel is the start of the table.
    expect(readPollingOffset({ snapshot_horizon: '900', txid: '0', id: '-9223372036854775808' }, 1, 's.t')).toEqual({ snapshot_horizon: '900', txid: '0', key: null });
  });

  it('refuses what it cannot read, naming the table, instead of guessing', () => {
    const cases: [Record<string, string | null>, number, RegExp][] = [
      [{ snapshot_horizon: '900', txid: '950', id: '42' }, 2, /shop\.lines .*single-key position but the table's primary key has 2 columns/],
      [{ snapshot_horizon: '900', txid: '950', key: '["1"]' }, 2, /shop\.lines .*1 key value\(s\) but the table's primary key has 2 column/],
      [{ snapshot_horizon: '900', txid: '950', key: '{"a":1}' }, 1, /not a JSON array of texts/],
      [{ snapshot_horizon: '900', txid: '950', key: 'not json' }, 1, /not a JSON array of texts/],
      [{ txid: '950', key: null }, 1, /no snapshot_horizon and txid/],
      [{ lsn: '0/1', phase: 'stream' }, 1, /no snapshot_horizon and txid/],
      [{ snapshot_horizon: '900', txid: '950' }, 1, /neither key nor id/],
    ];
    for (const [stored, keys, message] of cases) {
      expect(() => readPollingOffset(stored, keys, 'shop.lines')).toThrow(ConfigError);
      expect(() => readPollingOffset(stored, keys, 'shop.lines')).toThrow(message);
    }
  });
});

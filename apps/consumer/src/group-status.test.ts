import { describe, expect, it } from 'vitest';
import { type GroupStatusView, renderGroupStatus } from './group-status.ts';

const partition = { topic: 'shop.orders', start: 0, end: 120, lagCounted: true, lastFile: null } as const;

describe('renderGroupStatus', () => {
  it('shows each partition with its owner (none when unowned), position, end, lag and last file', () => {
    const view: GroupStatusView = {
      group: 'stage-sink',
      state: 'Stable',
      members: [{ memberId: 'm-1', clientId: 'consumer-a', host: '/10.0.0.5', partitions: ['shop.orders[0]'] }],
      partitions: [
        { ...partition, partition: 0, owner: { memberId: 'm-1', clientId: 'consumer-a', host: '/10.0.0.5' }, committed: 120, lag: 0, lastFile: '/stage/shop.orders/partition=0/f.jsonl' },
        { ...partition, partition: 1, owner: null, committed: null, lag: 20_000, lagCounted: false },
      ],
    };
    const text = renderGroupStatus(view);
    expect(text).toContain('group stage-sink: Stable, 1 member');
    expect(text).toContain('member consumer-a /10.0.0.5 (m-1): shop.orders[0]');
    expect(text).toContain('shop.orders[0]  owner consumer-a /10.0.0.5 (m-1) · at 120 · end 120 · lag 0 · last file /stage/shop.orders/partition=0/f.jsonl');
    expect(text).toContain('shop.orders[1]  owner none · nothing committed (from 0) · end 120 · lag ≤ 20,000 · last file none');
  });

  it('says why a last file cannot be shown', () => {
    const view: GroupStatusView = { group: 'g', state: 'Empty', members: [], partitions: [{ ...partition, partition: 0, owner: null, committed: 5, lag: 0, lastFileNote: 'cannot list the stage: timeout' }] };
    expect(renderGroupStatus(view)).toContain('last file n/a (cannot list the stage: timeout)');
  });
});

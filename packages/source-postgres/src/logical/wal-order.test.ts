import { describe, expect, it } from 'vitest';
import { type WalEvent, WalOrder } from './wal-order.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('WalOrder', () => {
  it('handles a keepalive only after the data that arrived before it, however slow that data is', async () => {
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order = new WalOrder<string>({
      handle: async (event: WalEvent<string>) => {
        if (event.kind === 'data' && event.message === 'a') await gate;
        seen.push(event.kind === 'data' ? event.message : `keepalive ${event.walEnd}`);
      },
      onError: (err) => {
        throw err;
      },
      pause: () => seen.push('pause'),
      resume: () => seen.push('resume'),
      highWater: 2,
    });
    order.push({ kind: 'data', message: 'a', lsn: '0/0' });
    order.push({ kind: 'data', message: 'b', lsn: '0/0' });
    order.push({ kind: 'keepalive', walEnd: '0/10' });
    await tick();
    expect(seen).toEqual(['pause']);
    release();
    await tick();
    expect(seen).toEqual(['pause', 'a', 'b', 'keepalive 0/10', 'resume']);
  });

  it('handles nothing after a failure, and reports it once', async () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const order = new WalOrder<string>({
      handle: (event) => {
        if (event.kind === 'data' && event.message === 'bad') throw new Error('cannot handle');
        seen.push(event.kind);
      },
      onError: (err) => errors.push(err),
      pause: () => undefined,
      resume: () => undefined,
    });
    order.push({ kind: 'data', message: 'bad', lsn: '0/0' });
    order.push({ kind: 'keepalive', walEnd: '0/20' });
    order.push({ kind: 'data', message: 'ok', lsn: '0/0' });
    await tick();
    expect(seen).toEqual([]);
    expect(errors).toHaveLength(1);
  });
});

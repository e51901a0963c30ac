import { describe, expect, it } from 'vitest';
import { StatusBoard, statusUrl } from './index.ts';
import { renderStatus } from './status-render.ts';

describe('StatusBoard', () => {
  it('merges what tasks report per unit and works out snapshot progress', () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const board = new StatusBoard('producer', () => now);
    board.report('table', 'public.products', { phase: 'snapshot', done: 0, total: 50_000 });
    board.report('kafka', 'transactions', { records: 0 });
    now += 2_000;
    board.report('table', 'public.products', { done: 10_000, position: '0/16B3748' });
    board.report('kafka', 'transactions', { records: 10_000, lastCommitAt: now - 500, lastCommit: 'cdc.public.products[0]@9999' });
    board.report('slot', 'buyonline_cdc', { lagBytes: 1_500_000, lagSeconds: 0.25 });
    const view = board.view('ok');
    expect(view).toEqual({
      app: 'producer',
      status: 'ok',
      at: '2026-01-01T12:00:02.000Z',
      units: [
        { kind: 'kafka', name: 'transactions', records: 10_000, lastCommitAt: '2026-01-01T12:00:01.500Z', lastCommitAgeSeconds: 0.5, lastCommit: 'cdc.public.products[0]@9999' },
        { kind: 'slot', name: 'buyonline_cdc', lagBytes: 1_500_000, lagSeconds: 0.25 },
        {
          kind: 'table',
          name: 'public.products',
          phase: 'snapshot',
          position: '0/16B3748',
          progress: { done: 10_000, total: 50_000, percent: 20, rate: 5_000, etaSeconds: 8 },
        },
      ],
    });
    // JSON for scripts: what /status answers
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
  });

  it('renders one line per unit for people', () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const board = new StatusBoard('consumer', () => now);
    board.report('partition', 'cdc.public.products[0]', { phase: 'stream', done: 900, total: 1_000, lagMessages: 100, lagSeconds: 1.5, filesWritten: 3, lastFile: 'a.jsonl', deadLettered: 2 });
    now += 1_000;
    board.report('partition', 'cdc.public.products[0]', { done: 1_000, total: 1_000, lagMessages: 0, lagSeconds: 0 });
    expect(renderStatus(board.view('ok'))).toBe(
      'consumer: ok (2026-01-01T12:00:01.000Z)\n' +
        '  partition cdc.public.products[0]  stream · lag 0 messages, 0.0s · 3 files, last a.jsonl · 2 dead-lettered\n',
    );
  });

  it("shows a batch run's progress per partition, and what a streaming table's snapshot read", () => {
    let now = 0;
    const board = new StatusBoard('consumer', () => now);
    board.report('partition', 't[0]', { phase: 'batch', done: 0, total: 1_000 });
    board.report('table', 'public.products', { phase: 'snapshot', done: 0, total: 10 });
    now = 1_000;
    board.report('partition', 't[0]', { done: 500 });
    board.report('table', 'public.products', { phase: 'stream', done: 12, total: 12 });
    const text = renderStatus(board.view('ok'));
    expect(text).toContain('t[0]             batch · 500 / 1,000 records (50.0%) · 500 records/s · ETA 1s');
    expect(text).toContain('public.products  stream · snapshot done (12 rows)');
  });

  it('says when nothing was reported yet', () => {
    expect(renderStatus(new StatusBoard('producer', () => 0).view('starting'))).toContain('nothing reported yet');
  });
});

describe('statusUrl', () => {
  it('asks the health port on this host, or --url', () => {
    expect(statusUrl(undefined, '0.0.0.0', 9464)).toBe('http://127.0.0.1:9464/status');
    expect(statusUrl('http://prod-1:9464', '0.0.0.0', 9464)).toBe('http://prod-1:9464/status');
    expect(statusUrl('http://prod-1:9464/status', '0.0.0.0', 9464)).toBe('http://prod-1:9464/status');
  });
});

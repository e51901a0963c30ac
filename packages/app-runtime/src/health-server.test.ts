import { afterEach, describe, expect, it } from 'vitest';
import { PrometheusMetrics, printStatus, StatusBoard, startHealthServer } from './index.ts';
import { fetchStatus } from './status-client.ts';
import type { HealthServer } from './health-server.ts';
import { LoopLiveness } from './loop-liveness.ts';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function probe(path: string): Promise<{ code: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${server?.port}${path}`);
  return { code: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('health server probes', () => {
  it('GET /livez stays 200 while the worker waits out an outage; GET /readyz (and /health) answer 503 with why', async () => {
    let ready = false;
    server = await startHealthServer('127.0.0.1', 0, { ready: () => ready, status: () => 'degraded', details: () => ({ mode: 'stream' }) }, new PrometheusMetrics('t'));
    expect(await probe('/livez')).toMatchObject({ code: 200, body: { status: 'alive' } });
    expect(await probe('/readyz')).toEqual({ code: 503, body: { status: 'degraded', mode: 'stream' } });
    expect(await probe('/health')).toEqual({ code: 503, body: { status: 'degraded', mode: 'stream' } });
    ready = true;
    expect(await probe('/livez')).toMatchObject({ code: 200, body: { status: 'alive' } });
    expect(await probe('/readyz')).toEqual({ code: 200, body: { status: 'ok', mode: 'stream' } });
    expect(await probe('/health')).toEqual({ code: 200, body: { status: 'ok', mode: 'stream' } });
  });

  it('GET /readyz says starting before the worker has said anything else', async () => {
    server = await startHealthServer('127.0.0.1', 0, { ready: () => false, details: () => ({}) }, new PrometheusMetrics('t'));
    expect(await probe('/readyz')).toEqual({ code: 503, body: { status: 'starting' } });
  });

  it('GET /livez answers 503 once the event loop has not turned for longer than the allowed lag (a wedged process), and 200 again when it turns', async () => {
    let now = 1_000_000;
    const liveness = new LoopLiveness({ intervalMs: 3_600_000, maxLagMs: 30_000, now: () => now });
    server = await startHealthServer('127.0.0.1', 0, { ready: () => true, details: () => ({}) }, new PrometheusMetrics('t'), { liveness });
    expect(await probe('/livez')).toEqual({ code: 200, body: { status: 'alive', sinceTickMs: 0, maxLagMs: 30_000 } });
    now += 30_001;
    expect(await probe('/livez')).toEqual({ code: 503, body: { status: 'wedged', sinceTickMs: 30_001, maxLagMs: 30_000 } });
    // readiness is a different question: a wedged process may still claim progress it made
    expect((await probe('/readyz')).code).toBe(200);
    liveness.tick();
    expect(await probe('/livez')).toEqual({ code: 200, body: { status: 'alive', sinceTickMs: 0, maxLagMs: 30_000 } });
  });
});

describe('health server', () => {
  it('answers GET /status with the status view as JSON, and the status client reads it', async () => {
    const board = new StatusBoard('producer');
    board.report('table', 'public.products', { phase: 'snapshot', done: 5, total: 10 });
    server = await startHealthServer('127.0.0.1', 0, { ready: () => true, details: () => ({}), statusView: () => board.view('ok') }, new PrometheusMetrics('t'));
    const url = `http://127.0.0.1:${server.port}/status`;
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ app: 'producer', status: 'ok', units: [{ kind: 'table', name: 'public.products', phase: 'snapshot', progress: { done: 5, total: 10, percent: 50 } }] });
    expect(await fetchStatus(url)).toMatchObject({ ...body, at: expect.any(String) });
    const printed: string[] = [];
    const out = { write: (s: string) => printed.push(s) > 0 };
    expect(await printStatus(url, true, out)).toBe(0);
    expect(JSON.parse(printed[0] ?? '')).toMatchObject({ app: 'producer', units: [{ name: 'public.products' }] });
    await printStatus(url, false, out);
    expect(printed[1]).toMatch(/^producer: ok .*\n  table {5}public\.products {2}snapshot · 5 \/ 10 rows \(50\.0%\)/);
  });

  it('the status client names the URL when nothing answers there', async () => {
    server = await startHealthServer('127.0.0.1', 0, { ready: () => true, details: () => ({}) }, new PrometheusMetrics('t'));
    const port = server.port;
    await server.close();
    server = undefined;
    await expect(fetchStatus(`http://127.0.0.1:${port}/status`)).rejects.toThrow(`nothing answers at http://127.0.0.1:${port}/status`);
  });

  it('a server without a status view answers 404 on /status, which the client reports', async () => {
    server = await startHealthServer('127.0.0.1', 0, { ready: () => true, details: () => ({}) }, new PrometheusMetrics('t'));
    await expect(fetchStatus(`http://127.0.0.1:${server.port}/status`)).rejects.toThrow('answered 404');
  });
});

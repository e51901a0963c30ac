import { afterEach, describe, expect, it } from 'vitest';
import { fetchStatus, type HealthServer, PrometheusMetrics, printStatus, StatusBoard, startHealthServer } from './index.ts';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
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

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusMetrics } from './metrics.ts';

export interface HealthState {
  ready(): boolean;
  /** Why it is not ready (starting, retrying, stalled…); `starting` when absent. */
  status?(): string;
  details(): Record<string, unknown>;
  /** What GET /status answers (JSON); 404 when absent. */
  statusView?(): unknown;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/** GET /health (200 when ready, 503 otherwise), GET /status (JSON: phase, progress, lag per unit) and GET /metrics (Prometheus text). */
export async function startHealthServer(host: string, port: number, state: HealthState, metrics: PrometheusMetrics): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/health' || req.url === '/healthz') {
      const ready = state.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ready ? 'ok' : (state.status?.() ?? 'starting'), ...state.details() }));
      return;
    }
    if (req.url === '/status' && state.statusView) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(state.statusView()));
      return;
    }
    if (req.url === '/metrics') {
      metrics.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        })
        .catch((err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoopLiveness } from './loop-liveness.ts';
import type { PrometheusMetrics } from './metrics.ts';

export interface HealthState {
  ready(): boolean;
  /** Why it is not ready (starting, retrying, stalled…); `starting` when absent. */
  status?(): string;
  details(): Record<string, unknown>;
  /** What GET /status answers (JSON); 404 when absent. */
  statusView?(): unknown;
}

export interface HealthServerOptions {
  /** What /livez asks; default: a LoopLiveness with its defaults (1 s ticks, 30 s allowed lag). */
  liveness?: LoopLiveness;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The probes and views of a running app:
 * - GET /livez: liveness. 200 while the event loop turns, also while the worker waits out an
 *   outage; 503 `wedged` when the loop has not turned for longer than the allowed lag.
 * - GET /readyz: readiness. 200 while the worker makes progress or has nothing to do; 503 with
 *   why (starting, retrying, stalled, degraded) otherwise. GET /health and /healthz answer the
 *   same (the older name, kept).
 * - GET /status (JSON: phase, progress, lag per unit) and GET /metrics (Prometheus text).
 */
export async function startHealthServer(host: string, port: number, state: HealthState, metrics: PrometheusMetrics, options: HealthServerOptions = {}): Promise<HealthServer> {
  const liveness = options.liveness ?? new LoopLiveness();
  const server: Server = createServer((req, res) => {
    if (req.url === '/livez') {
      const { alive, ...check } = liveness.check();
      res.writeHead(alive ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: alive ? 'alive' : 'wedged', ...check }));
      return;
    }
    if (req.url === '/readyz' || req.url === '/health' || req.url === '/healthz') {
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
  liveness.start();
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      liveness.stop();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

import { ConnectionError } from '@buyonline/connect-api';
import { renderStatus } from './status-render.ts';
import type { StatusView } from './status-board.ts';

/** Asks a running app for its status (`GET <url>`); a clear error naming the URL when nothing answers. */
export async function fetchStatus(url: string, timeoutMs = 5_000): Promise<StatusView> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const reason = (err as { cause?: { code?: string; message?: string } }).cause?.code ?? (err as Error).message;
    throw new ConnectionError(`nothing answers at ${url} (${reason}): is the app running, and is its HEALTH_PORT (or --url) the one asked?`, { cause: err });
  }
  if (!response.ok) throw new ConnectionError(`${url} answered ${response.status} ${response.statusText}: not the status endpoint of a running app`);
  try {
    return (await response.json()) as StatusView;
  } catch (err) {
    throw new ConnectionError(`${url} answered something that is not JSON`, { cause: err });
  }
}

/** The status URL: --url wins, else the health port on this host. */
export function statusUrl(url: string | undefined, healthHost: string, healthPort: number): string {
  if (url) return url.endsWith('/status') ? url : `${url.replace(/\/$/, '')}/status`;
  const host = healthHost === '0.0.0.0' || healthHost === '::' ? '127.0.0.1' : healthHost;
  return `http://${host.includes(':') ? `[${host}]` : host}:${healthPort}/status`;
}

/** `status`: asks the running app and prints its status, for people or (`json`) as one JSON line; returns the exit code. */
export async function printStatus(url: string, json: boolean, out: Pick<NodeJS.WritableStream, 'write'> = process.stdout): Promise<number> {
  const view = await fetchStatus(url);
  out.write(json ? `${JSON.stringify(view)}\n` : renderStatus(view));
  return 0;
}

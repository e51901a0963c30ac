// The Kafka Connect worker of tooling/debezium/debezium.sh, and the few REST calls the bench
// makes of it (create, watch and delete a connector).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../setup/endpoints.ts';

const run = promisify(execFile);
const script = join(repoRoot, 'tooling', 'debezium', 'debezium.sh');

export interface ConnectWorker {
  url: string;
  pid: number;
  /** The JVM's heap flags (CONNECT_HEAP). */
  heap: string;
}

export interface ConnectorStatus {
  connector: { state: string; version?: string };
  tasks: { id: number; state: string; trace?: string }[];
}

async function debeziumSh(verb: 'start' | 'stop' | 'env', env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run('bash', [script, verb], { env, maxBuffer: 1 << 20 });
  return stdout;
}

/** A worker started for this run (one left running is stopped first: its peak RSS would be an older run's). */
export async function startWorker(env: NodeJS.ProcessEnv): Promise<ConnectWorker> {
  await debeziumSh('stop', env);
  await debeziumSh('start', env);
  const vars = Object.fromEntries((await debeziumSh('env', env)).split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const pid = Number(vars.CONNECT_PID);
  if (!vars.CONNECT_URL || !Number.isInteger(pid)) throw new Error(`debezium.sh env printed no CONNECT_URL/CONNECT_PID`);
  return { url: vars.CONNECT_URL, pid, heap: vars.CONNECT_HEAP ?? '' };
}

export async function stopWorker(env: NodeJS.ProcessEnv): Promise<void> {
  await debeziumSh('stop', env);
}

async function rest(url: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(url, { ...init, headers: { 'Content-Type': 'application/json', Accept: 'application/json' } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export async function createConnector(worker: ConnectWorker, name: string, config: Record<string, string>): Promise<void> {
  await rest(`${worker.url}/connectors`, { method: 'POST', body: JSON.stringify({ name, config }) });
}

export async function connectorStatus(worker: ConnectWorker, name: string): Promise<ConnectorStatus> {
  return (await rest(`${worker.url}/connectors/${encodeURIComponent(name)}/status`)) as ConnectorStatus;
}

/** Deletes the connector (its task stops and lets go of the slot); a connector already gone is fine. */
export async function deleteConnector(worker: ConnectWorker, name: string): Promise<void> {
  const res = await fetch(`${worker.url}/connectors/${encodeURIComponent(name)}`, { method: 'DELETE' });
  if (!res.ok && res.status !== 404) throw new Error(`DELETE connector ${name}: HTTP ${res.status} ${await res.text()}`);
}

/** A task that failed, with Connect's trace: why the run cannot go on. */
export function failedTask(status: ConnectorStatus): string | null {
  if (status.connector.state === 'FAILED') return `connector FAILED`;
  const task = status.tasks.find((t) => t.state === 'FAILED');
  return task ? `task ${task.id} FAILED: ${(task.trace ?? '').split('\n').slice(0, 3).join(' ')}` : null;
}

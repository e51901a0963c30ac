import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../setup/endpoints.ts';
import { type RssPeak, RssSampler } from './rss-sampler.ts';

export type AppName = 'producer' | 'consumer';

export interface AppOptions {
  env: NodeJS.ProcessEnv;
  /** Run under `node --cpu-prof`, the profile written here as <app>.cpuprofile when the app exits. */
  profileDir?: string | undefined;
  /** Keep stdout (the consumer's batch summary) instead of passing it through. */
  captureStdout?: boolean;
}

export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  rss: RssPeak;
  /** From spawn to exit. */
  wallMs: number;
}

const running = new Set<ChildProcess>();

/** One of the apps (apps/<app>/dist/main.js) as a Node child, its memory sampled while it runs. */
export class NodeApp {
  readonly startedAt = Date.now();
  readonly exited: Promise<AppExit>;
  private readonly child: ChildProcess;
  private readonly rss: RssSampler;

  constructor(
    readonly app: AppName,
    args: string[],
    options: AppOptions,
  ) {
    const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, `--cpu-prof-name=${app}.cpuprofile`] : [];
    const main = join(repoRoot, 'apps', app, 'dist', 'main.js');
    this.child = spawn(process.execPath, [...profile, main, ...args], { env: options.env, stdio: ['ignore', options.captureStdout ? 'pipe' : 'inherit', 'inherit'] });
    running.add(this.child);
    this.rss = new RssSampler(this.child.pid ?? -1);
    let stdout = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('exit', (code, signal) => {
        running.delete(this.child);
        resolve({ code, signal, stdout, rss: this.rss.stop(), wallMs: Date.now() - this.startedAt });
      });
    });
  }

  /** SIGTERM (the apps drain, commit and exit 0), then SIGKILL after `graceMs`. */
  async stop(graceMs = 60_000): Promise<AppExit> {
    this.rss.sample();
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs an app command to its end; fails unless it exits 0. */
export async function runApp(app: AppName, args: string[], options: AppOptions): Promise<AppExit> {
  const exit = await new NodeApp(app, args, options).exited;
  if (exit.code !== 0) throw new Error(`${app} ${args.join(' ')} exited with ${exit.code ?? exit.signal}`);
  return exit;
}

/** On failure or interrupt: every app still running gets SIGTERM, and SIGKILL if still there after `graceMs`. */
export async function stopRunningApps(graceMs = 10_000): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_MALLOC_ARENA_MAX, APP_NODE_OPTIONS } from '@buyonline/app-runtime/testing';
import { repoRoot } from './native-stack.ts';

export type AppName = 'producer' | 'consumer';

/** One producer or consumer process, run from its Node bundle as a user would run it. */
export class AppProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  readonly logFile: string;

  constructor(
    readonly app: AppName,
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly args: string[],
    logDir: string,
  ) {
    mkdirSync(logDir, { recursive: true });
    this.logFile = join(logDir, `${name}.log`);
  }

  start(): this {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [join(repoRoot, 'apps', this.app, 'dist', 'main.js'), ...this.args], {
      // Run with the heap and malloc arenas the images ship with, so that the suite proves the apps live within it.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HEALTH_PORT: '0', NODE_OPTIONS: APP_NODE_OPTIONS, MALLOC_ARENA_MAX: APP_MALLOC_ARENA_MAX, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ? null : code)));
    this.child = child;
    return this;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The abrupt end: no drain, no flush, no commit. */
  async kill9(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** Where its health server listens (`http://host:port`), from the address it logged at start; undefined while it has none. */
  healthBase(): string | undefined {
    if (!existsSync(this.logFile)) return undefined; // not started writing yet
    return /"health":"(http:\/\/[^"]+)\/health"/.exec(readFileSync(this.logFile, 'utf8'))?.[1];
  }

  /** Its /health (status code and `status`), found from the address it logged at start; undefined while it has none. */
  async health(): Promise<{ code: number; status: string } | undefined> {
    const base = this.healthBase();
    const url = base === undefined ? undefined : `${base}/health`;
    if (!url) return undefined;
    const res = await fetch(url).catch(() => undefined);
    if (!res) return undefined;
    return { code: res.status, status: ((await res.json()) as { status: string }).status };
  }

  /** The process's peak resident memory so far (VmHWM), in bytes; undefined once it exited. */
  peakRssBytes(): number | undefined {
    if (!this.running || this.child?.pid === undefined) return undefined;
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  }

  /** Freezes the process (SIGSTOP): no heartbeats, no timers, as in a long GC pause or a stalled VM. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Lets a frozen process go on (SIGCONT). */
  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** The polite end: returns the exit code (0 when it drained and closed cleanly). */
  async terminate(timeoutMs = 60_000): Promise<number | null> {
    if (!this.running) return (await this.exited) ?? null;
    this.child?.kill('SIGTERM');
    return this.wait(timeoutMs);
  }

  async wait(timeoutMs = 120_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms (log: ${this.logFile})`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited ?? Promise.resolve(null), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

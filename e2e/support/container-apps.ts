import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ContainerNetwork } from './containers.ts';
import type { Scenario } from './scenario.ts';
import { waitFor } from './scenario.ts';

const run = promisify(execFile);

/** The app images: built here by tooling/docker/docker.sh (or by `docker compose build`). */
export const appImages = {
  producer: process.env.E2E_IMAGE_PRODUCER ?? 'buyonline/producer:local',
  consumer: process.env.E2E_IMAGE_CONSUMER ?? 'buyonline/consumer:local',
};

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

interface ContainerState {
  Running: boolean;
  ExitCode: number;
  Health?: { Status: string };
}

/**
 * One producer or consumer container on the services' network, driven like AppProcess: the
 * container is created once, and `kill9` (docker kill) / `restart` (docker start) act on it, so a
 * restart keeps its name, configuration and mounts. Its log lands in the scenario's log folder.
 */
export class ContainerApp {
  readonly container: string;

  constructor(
    readonly app: 'producer' | 'consumer',
    readonly name: string,
    private readonly network: ContainerNetwork,
    private readonly env: Record<string, string>,
    private readonly args: string[],
    private readonly logDir: string,
    private readonly mounts: string[] = [],
  ) {
    this.container = `buyonline-e2e-${name}-${process.pid}-${Date.now().toString(36)}`;
  }

  async start(): Promise<this> {
    const env = Object.entries(this.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
    const mounts = this.mounts.flatMap((m) => ['--volume', m]);
    await docker('run', '--detach', '--pull', 'never', '--name', this.container, '--network', this.network.name, ...env, ...mounts, appImages[this.app], ...this.args);
    return this;
  }

  async state(): Promise<ContainerState> {
    return JSON.parse(await docker('inspect', '--format', '{{json .State}}', this.container)) as ContainerState;
  }

  /** `docker kill`: SIGKILL to the app (PID 1), no drain, no flush, no commit. */
  async kill9(): Promise<void> {
    await docker('kill', this.container);
    await this.wait(30_000);
  }

  /** `docker start` of the same container after it stopped. */
  async restart(): Promise<this> {
    await docker('start', this.container);
    return this;
  }

  /** `docker stop`: SIGTERM, then the exit code (0 when the app drained and closed cleanly). */
  async terminate(timeoutMs = 60_000): Promise<number> {
    await docker('stop', '--time', String(Math.ceil(timeoutMs / 1000)), this.container);
    return (await this.state()).ExitCode;
  }

  async wait(timeoutMs = 120_000): Promise<number> {
    return waitFor(`${this.name} to exit`, async () => {
      const s = await this.state();
      return s.Running ? undefined : s.ExitCode;
    }, timeoutMs, 300);
  }

  /** Resolves when the image's HEALTHCHECK (GET /livez) reports healthy. */
  async waitHealthy(timeoutMs = 120_000): Promise<void> {
    await waitFor(`${this.name} to be healthy`, async () => {
      const s = await this.state();
      if (!s.Running) throw new Error(`${this.name} exited ${s.ExitCode} (log: ${join(this.logDir, `${this.name}.log`)})`);
      return s.Health?.Status === 'healthy' ? true : undefined;
    }, timeoutMs, 1000);
  }

  /** Saves the container's log and removes it. */
  async remove(): Promise<void> {
    mkdirSync(this.logDir, { recursive: true });
    const logs = await run('docker', ['logs', this.container], { maxBuffer: 256 * 1024 * 1024 }).catch(() => ({ stdout: '', stderr: '' }));
    writeFileSync(join(this.logDir, `${this.name}.log`), `${logs.stdout}${logs.stderr}`);
    await docker('rm', '--force', '--volumes', this.container).catch(() => undefined);
  }
}

/**
 * The apps of a Scenario as containers: the same settings as Scenario.producer()/consumer(), with
 * the services' addresses on the container network, and the scenario's stage folder bind-mounted
 * at /stage (made writable for the image's non-root user, uid 10001).
 */
export class ContainerApps {
  private readonly apps: ContainerApp[] = [];

  constructor(
    private readonly scenario: Scenario,
    private readonly network: ContainerNetwork,
  ) {
    chmodSync(scenario.stageDir, 0o777);
  }

  producer(name = 'producer', args: string[] = ['run']): ContainerApp {
    const s = this.scenario;
    return this.track(new ContainerApp('producer', name, this.network, s.producerEnv(this.network), args, s.logDir));
  }

  consumer(name: string, extra: Record<string, string> = {}): ContainerApp {
    const s = this.scenario;
    return this.track(
      new ContainerApp('consumer', name, this.network, { ...s.consumerEnv(this.network, '/stage'), ...extra }, ['stream'], s.logDir, [
        `${s.stageDir}:/stage`,
      ]),
    );
  }

  /** Creates the table (the producer's `migrate`) and seeds it, from the producer image. */
  async seed(rows: number): Promise<void> {
    const seed = await this.producer('seed', ['seed', '--rows', String(rows)]).start();
    const code = await seed.wait(180_000);
    if (code !== 0) throw new Error(`producer seed container exited ${code} (log: ${join(this.scenario.logDir, 'seed.log')})`);
    await this.scenario.recordHistory();
  }

  /** Removes every container (after saving its log); safe to call twice. */
  async cleanup(): Promise<void> {
    for (const app of this.apps.splice(0)) await app.remove();
  }

  private track(app: ContainerApp): ContainerApp {
    this.apps.push(app);
    return app;
  }
}

import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/** Processes whose environment carries `marker` (what the demo started, whatever its parent). */
function processesMarked(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(`BUYONLINE_DEMO_RUN=${marker}`)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

function stageLines(dir: string): number {
  let lines = 0;
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.jsonl')) lines += readFileSync(full, 'utf8').split('\n').filter(Boolean).length;
    }
  };
  try {
    walk(dir);
  } catch {
    return 0;
  }
  return lines;
}

// The demo starts the native stack itself (`tooling/stack/stack.sh up`, idempotent): it runs
// where the suite's services are that stack.
describe.runIf(inject('endpoints').provider === 'native')('scripts/demo.sh, as a new user runs it', () => {
  const marker = randomUUID();
  const stageDir = mkdtempSync(join(tmpdir(), 'demo-stage-'));
  afterAll(() => {
    for (const pid of processesMarked(marker)) process.kill(pid, 'SIGKILL');
    rmSync(stageDir, { recursive: true, force: true });
  });

  const runDemo = () => {
    // The test's own environment would point the apps elsewhere: the demo sets what it needs.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true' };
    // A stage directory of its own needs a consumer group of its own (the demo's table and
    // topic live on in the shared stack from earlier runs: the new group reads them all).
    Object.assign(env, { BUYONLINE_DEMO_RUN: marker, DEMO_SECONDS: '8', DEMO_ROWS: '200', DEMO_STAGE_DIR: stageDir, CONSUMER_GROUP: `demo-${marker}` });
    return spawnSync('bash', ['scripts/demo.sh'], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
  };

  it('stops every process it started, says where to look, and runs again without cleanup', () => {
    const first = runDemo();
    expect(first.status, first.stderr).toBe(0);
    expect(processesMarked(marker), 'processes the first run left running').toEqual([]);
    const afterFirst = stageLines(stageDir);
    expect(afterFirst).toBeGreaterThanOrEqual(200);
    // Where to look next: the stage, the status command and the metrics of each app.
    expect(first.stdout).toContain(stageDir);
    expect(first.stdout).toMatch(/main\.js status/);
    expect(first.stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+\/metrics/);

    const second = runDemo();
    expect(second.status, second.stderr).toBe(0);
    expect(processesMarked(marker), 'processes the second run left running').toEqual([]);
    expect(stageLines(stageDir)).toBeGreaterThan(afterFirst);
  });
});

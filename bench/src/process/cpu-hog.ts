import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * A CPU-bound process beside the pipeline (issue 20: latency must hold while one runs): a Node
 * child spinning on one core until stopped, at the same priority as the apps.
 */
export class CpuHog {
  private readonly child: ChildProcess;

  constructor() {
    this.child = spawn(process.execPath, ['-e', 'for (;;) { Math.sqrt(Math.random()); }'], { stdio: 'ignore' });
  }

  /** The hog's CPU seconds so far (utime + stime from /proc, at 100 ticks a second), to show it really ran. */
  cpuSeconds(): number | null {
    try {
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return null;
    }
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

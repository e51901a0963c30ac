import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { repoRoot } from '../setup/endpoints.ts';

export interface MachineInfo {
  nproc: number;
  cpu: string;
  memoryGb: number;
  /** 1, 5 and 15 minute load averages, at the start of the run and at its end. */
  loadAverage: { start: number[]; end: number[] };
  node: string;
  postgres: string;
}

const rounded = (values: number[]) => values.map((v) => Math.round(v * 100) / 100);

export function machineInfo(postgres: string, loadAtStart: number[]): MachineInfo {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: { start: rounded(loadAtStart), end: rounded(loadavg()) },
    node: process.version,
    postgres,
  };
}

/** The commit the run measured (short hash, "+dirty" when the tree had changes), if git says. */
export function gitCommit(): string | null {
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${hash}+dirty` : hash;
  } catch {
    return null;
  }
}

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './native-stack.ts';

/** One partition as `status --group --json` shows it. */
export interface GroupPartition {
  topic: string;
  partition: number;
  owner: { memberId: string; clientId: string; host: string } | null;
  committed: number | null;
  end: number;
  lag: number;
  lagCounted: boolean;
  lastFile: string | null;
  lastFileNote?: string;
}

/** What `status --group --json` prints. */
export interface GroupView {
  group: string;
  state: string;
  members: { memberId: string; clientId: string; host: string; partitions: string[] }[];
  partitions: GroupPartition[];
}

/** `node apps/consumer/dist/main.js status --group …` with the consumers' settings, as an operator runs it. */
export function groupStatusCommand(env: Record<string, string>, json: boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = [join(repoRoot, 'apps', 'consumer', 'dist', 'main.js'), 'status', '--group', ...(json ? ['--json'] : [])];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** `status --group --json`, parsed; throws with its stderr when it fails. */
export async function groupStatus(env: Record<string, string>): Promise<GroupView> {
  const run = await groupStatusCommand(env, true);
  if (run.code !== 0) throw new Error(`status --group exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as GroupView;
}

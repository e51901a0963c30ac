import type { RssPeak } from '../process/rss-sampler.ts';
import { runApp } from '../process/node-app.ts';

export interface StageFigure {
  records: number;
  /** The consumer's own run time (its summary's elapsedMs: connect, group join, drain, flush, commit). */
  seconds: number;
  rowsPerSec: number;
  /** Process start to exit. */
  wallSeconds: number;
  rss: RssPeak;
}

/** `consumer batch`: drains the data topic into a local stage and exits; rows/s from its summary. */
export async function stageBatch(env: NodeJS.ProcessEnv, profileDir: string | undefined): Promise<StageFigure> {
  const exit = await runApp('consumer', ['batch'], { env, profileDir, captureStdout: true });
  const line = exit.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{"summary"'));
  if (!line) throw new Error(`consumer batch printed no summary: ${exit.stdout.slice(-500)}`);
  const { summary } = JSON.parse(line) as { summary: { records: number; deadLettered: number; elapsedMs: number } };
  if (summary.deadLettered > 0) throw new Error(`consumer batch dead-lettered ${summary.deadLettered} records`);
  const seconds = summary.elapsedMs / 1000;
  return { records: summary.records, seconds, rowsPerSec: summary.records / seconds, wallSeconds: exit.wallMs / 1000, rss: exit.rss };
}

import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { APP_NODE_OPTIONS } from '@buyonline/app-runtime/testing';
import type postgres from 'postgres';
import { repoRoot } from './native-stack.ts';
import { sleep } from './scenario.ts';

/**
 * Updates, inserts and deletes of keys above 100 of `<schema>.items` (id, name, qty) in short
 * transactions, `pauseMs` apart, until aborted; returns how many committed. Keys 1–100 stay
 * untouched, for faults a test injects.
 */
export async function steadyItemsLoad(sql: postgres.Sql, schema: string, rows: number, pauseMs: number, signal: AbortSignal): Promise<number> {
  let n = 0;
  while (!signal.aborted) {
    n++;
    await sql.begin(async (tx) => {
      await tx.unsafe(`update "${schema}".items set qty = qty + 1, name = 'u' || $1 where id = 101 + floor(random() * ${rows - 100})::int`, [n]);
      if (n % 3 === 0) await tx.unsafe(`insert into "${schema}".items (name, qty) values ($1, $2)`, [`new ${n}`, n]);
      if (n % 11 === 0) await tx.unsafe(`delete from "${schema}".items where id = (select id from "${schema}".items where id > 100 order by random() limit 1)`);
    });
    await sleep(pauseMs);
  }
  return n;
}

/**
 * `consumer verify --json --range-keys 100 [flags]` under the images' heap, its output appended to
 * `<logDir>/verify.log`: the exit code, the parsed `{"verify": …}` line and the output's tail.
 */
export function runVerify<R>(env: Record<string, string>, logDir: string, flags: string[] = []): Promise<{ code: number | null; report: R | undefined; output: string }> {
  return new Promise((resolve) => {
    const args = [join(repoRoot, 'apps', 'consumer', 'dist', 'main.js'), 'verify', '--json', '--range-keys', '100', ...flags];
    execFile(process.execPath, args, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_OPTIONS: APP_NODE_OPTIONS, ...env }, timeout: 240_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      mkdirSync(logDir, { recursive: true });
      appendFileSync(join(logDir, 'verify.log'), `--- verify ${flags.join(' ')}: exit ${err ? err.code : 0}\n${stdout}${stderr}`);
      const line = stdout.split('\n').find((l) => l.startsWith('{"verify"'));
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, report: line ? (JSON.parse(line) as { verify: R }).verify : undefined, output: (stdout + stderr).slice(-3000) });
    });
  });
}

import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface DecodeLimit {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  endLsn: string;
}

/** pg_recvlogical of the server's major version: pg_config's bindir, else Debian's PostgreSQL 15, else PATH. */
export function findPgRecvlogical(): string {
  try {
    const bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(bindir, 'pg_recvlogical'))) return join(bindir, 'pg_recvlogical');
  } catch {
    // no pg_config: try the usual place
  }
  const debian = '/usr/lib/postgresql/15/bin/pg_recvlogical';
  return existsSync(debian) ? debian : 'pg_recvlogical';
}

/**
 * Decodes the slot `slot` (pgoutput, on `publication`) from its start up to `endLsn` with
 * pg_recvlogical, output to /dev/null: how fast PostgreSQL itself decodes the same changes the
 * pipeline captured. `rows` is the number of changed rows in that WAL.
 */
export async function pgRecvlogicalLimit(url: string, slot: string, publication: string, endLsn: string, rows: number): Promise<DecodeLimit> {
  const args = ['-d', url, '--slot', slot, '--start', '--endpos', endLsn, '-o', 'proto_version=1', '-o', `publication_names=${publication}`, '-f', '/dev/null', '--no-loop'];
  const startedAt = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(findPgRecvlogical(), args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_recvlogical exited with ${code}`))));
  });
  const seconds = (performance.now() - startedAt) / 1000;
  return { rows, seconds, rowsPerSec: rows / seconds, endLsn };
}

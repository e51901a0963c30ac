import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type postgres from 'postgres';

export interface DecodeLimit {
  rows: number;
  /** Of the fastest attempt. */
  seconds: number;
  rowsPerSec: number;
  endLsn: string;
  /** rows/s of every attempt (one slot each): the limit is the best of them. */
  attempts: number[];
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

/** Seconds pg_recvlogical takes to decode `slot` (pgoutput, on `publication`) from its start up to `endLsn`, output to /dev/null. */
async function decodeOnce(url: string, slot: string, publication: string, endLsn: string): Promise<number> {
  const args = ['-d', url, '--slot', slot, '--start', '--endpos', endLsn, '-o', 'proto_version=1', '-o', `publication_names=${publication}`, '-f', '/dev/null', '--no-loop'];
  const startedAt = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(findPgRecvlogical(), args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_recvlogical exited with ${code}`))));
  });
  return (performance.now() - startedAt) / 1000;
}

/**
 * How fast PostgreSQL itself decodes the changes the pipeline captured: each slot (created
 * right before those changes) decoded once, in turn, then dropped; the fastest is the limit.
 * `rows` is the number of changed rows in that WAL.
 */
export async function pgRecvlogicalLimit(
  sql: postgres.Sql,
  url: string,
  slots: readonly string[],
  publication: string,
  endLsn: string,
  rows: number,
): Promise<DecodeLimit> {
  const times: number[] = [];
  for (const slot of slots) {
    times.push(await decodeOnce(url, slot, publication, endLsn));
    await sql`select pg_drop_replication_slot(${slot})`;
  }
  const seconds = Math.min(...times);
  return { rows, seconds, rowsPerSec: rows / seconds, endLsn, attempts: times.map((t) => rows / t) };
}

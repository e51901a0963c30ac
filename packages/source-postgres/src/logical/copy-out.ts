import type { Readable } from 'node:stream';
import type { ReservedSql } from 'postgres';

/**
 * The whole output of `COPY (<select>) TO STDOUT` (text format) on `sql`, decoded from UTF-8 (the
 * client encoding of every connection of postgres.js). A chunk is bounded in bytes (`ChunkSizer`),
 * so it is held whole.
 *
 * postgres.js pauses the connection's socket when the COPY's stream holds more than its buffer
 * (16 KiB) and resumes it when the stream is read again. When the last rows and the COPY's end
 * arrive in one read of the socket, that can come before anyone reads: the stream then ends
 * without being read again, the socket stays paused, and the connection's next query never gets
 * its answer (porsager/postgres#1016, not merged). So once the stream ended, its read function,
 * which resumes the socket, is called once more.
 */
export async function copyOut(sql: ReservedSql, select: string): Promise<string> {
  const stream: Readable = await sql.unsafe(`copy (${select}) to stdout`).readable();
  const parts: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (part: Buffer) => parts.push(part));
    stream.once('end', () => resolve());
    stream.once('error', reject);
  });
  stream._read(0);
  return parts.length === 1 ? (parts[0] as Buffer).toString('utf8') : Buffer.concat(parts).toString('utf8');
}

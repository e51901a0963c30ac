import type { ReservedSql } from 'postgres';

/**
 * The whole output of `COPY (<select>) TO STDOUT` (text format) on `sql`, decoded from UTF-8 (the
 * client encoding of every connection of postgres.js).
 *
 * The output is taken as it comes ('data' events), never buffered in the stream: postgres.js
 * pauses the connection's socket when the stream's buffer is full and resumes it only when the
 * stream is read again, so when the COPY's last data and its end arrive together at a full buffer
 * the socket stays paused and the connection's next query never gets its answer
 * (porsager/postgres#1016). A chunk is bounded in bytes (`ChunkSizer`), so it is held whole.
 */
export async function copyOut(sql: ReservedSql, select: string): Promise<string> {
  const stream = await sql.unsafe(`copy (${select}) to stdout`).readable();
  const parts: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (part: Buffer) => parts.push(part));
    stream.once('end', () => resolve());
    stream.once('error', reject);
  });
  return parts.length === 1 ? (parts[0] as Buffer).toString('utf8') : Buffer.concat(parts).toString('utf8');
}

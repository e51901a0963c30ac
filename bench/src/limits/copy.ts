import postgres from 'postgres';

export interface CopyLimit {
  rows: number;
  bytes: number;
  /** Of the fastest attempt. */
  seconds: number;
  rowsPerSec: number;
  /** rows/s of every attempt: the machine is shared, the limit is the best of them. */
  attempts: number[];
}

/** One COPY on its own connection (connected before the clock starts: a second COPY on one postgres.js connection can stall). */
async function copyOnce(url: string, schema: string, name: string): Promise<{ rows: number; bytes: number; seconds: number }> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    await sql`select 1`;
    const startedAt = performance.now();
    const stream = await sql`copy (select * from ${sql(schema)}.${sql(name)}) to stdout`.readable();
    let rows = 0;
    let bytes = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
    }
    return { rows, bytes, seconds: (performance.now() - startedAt) / 1000 };
  } finally {
    await sql.end();
  }
}

/** `COPY (select * from <table>) TO STDOUT` of the whole table, read to the end, best of `attempts`: what PostgreSQL can hand out. */
export async function copyLimit(url: string, table: string, attempts = 3): Promise<CopyLimit> {
  const [schema, name] = table.split('.') as [string, string];
  const runs: { rows: number; bytes: number; seconds: number }[] = [];
  for (let i = 0; i < attempts; i++) runs.push(await copyOnce(url, schema, name));
  const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  return { ...best, rowsPerSec: best.rows / best.seconds, attempts: runs.map((r) => r.rows / r.seconds) };
}

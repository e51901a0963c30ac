import postgres from 'postgres';

export interface CopyLimit {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSec: number;
}

/** `COPY (select * from <table>) TO STDOUT` of the whole table, read to the end: what PostgreSQL can hand out. */
export async function copyLimit(url: string, table: string): Promise<CopyLimit> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const [schema, name] = table.split('.') as [string, string];
    await sql`select 1`; // connected before the clock starts
    const startedAt = performance.now();
    const stream = await sql`copy (select * from ${sql(schema)}.${sql(name)}) to stdout`.readable();
    let rows = 0;
    let bytes = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
    }
    const seconds = (performance.now() - startedAt) / 1000;
    return { rows, bytes, seconds, rowsPerSec: rows / seconds };
  } finally {
    await sql.end();
  }
}

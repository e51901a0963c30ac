import { describe, expect, it } from 'vitest';
import type { Row, SnowflakeClient } from './client.ts';
import { pageStatement, readInKafkaOrder, samePositionStatement } from './kafka-order-pages.ts';

const select = { columns: '"RECORD"', table: '"D"."S"."T"', where: '"TOPIC" = \'t\'', partition: '"P"', offset: '"O"' };

/** A table of (partition, offset, n) rows that answers the reader's two statements as Snowflake would. */
function tableClient(rows: [number, number, string][]): SnowflakeClient & { statements: string[] } {
  const sorted = [...rows].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const asRow = ([p, o, n]: [number, number, string]): Row => ({ RECORD: n, __PAGE_PARTITION: String(p), __PAGE_OFFSET: String(o) });
  const statements: string[] = [];
  return {
    statements,
    dryRun: false,
    async execute(sql: string) {
      statements.push(sql);
      const at = /\("P" = (\d+) AND "O" = (\d+)\)/.exec(sql);
      if (at) return sorted.filter(([p, o]) => p === Number(at[1]) && o === Number(at[2])).map(asRow);
      const after = /"P" > (\d+) OR \("P" = \d+ AND "O" > (\d+)\)/.exec(sql);
      const limit = Number(/LIMIT (\d+)$/.exec(sql)?.[1]);
      const [ap, ao] = after ? [Number(after[1]), Number(after[2])] : [-1, -1];
      return sorted.filter(([p, o]) => p > ap || (p === ap && o > ao)).slice(0, limit).map(asRow);
    },
    async close() {},
  } as SnowflakeClient & { statements: string[] };
}

async function all(client: SnowflakeClient, pageRows: number): Promise<string[]> {
  const out: string[] = [];
  for await (const row of readInKafkaOrder(client, select, pageRows)) out.push(String(row.RECORD));
  return out;
}

describe('readInKafkaOrder: a loaded table a page at a time, in Kafka order', () => {
  it('selects a page after the last position read, and one position whole', () => {
    expect(pageStatement(select, ['1', '41'], 100)).toBe(
      'SELECT "RECORD", "P" AS "__PAGE_PARTITION", "O" AS "__PAGE_OFFSET" FROM "D"."S"."T" WHERE ("TOPIC" = \'t\') AND ("P" > 1 OR ("P" = 1 AND "O" > 41)) ORDER BY "__PAGE_PARTITION", "__PAGE_OFFSET" LIMIT 100',
    );
    expect(samePositionStatement(select, ['2', '7'])).toBe(
      'SELECT "RECORD", "P" AS "__PAGE_PARTITION", "O" AS "__PAGE_OFFSET" FROM "D"."S"."T" WHERE ("TOPIC" = \'t\') AND ("P" = 2 AND "O" = 7) ORDER BY "__PAGE_PARTITION", "__PAGE_OFFSET"',
    );
  });

  it('reads every row once, in order, across pages: a record loaded twice is read twice even when a page ends between its copies', async () => {
    const rows: [number, number, string][] = [
      [1, 0, 'b0'],
      [0, 0, 'a0'],
      [0, 1, 'a1'],
      [0, 2, 'a2'],
      [0, 2, 'a2 again'],
      [0, 2, 'a2 thrice'],
      [0, 3, 'a3'],
      [1, 1, 'b1'],
    ];
    const client = tableClient(rows);
    expect(await all(client, 4)).toEqual(['a0', 'a1', 'a2', 'a2 again', 'a2 thrice', 'a3', 'b0', 'b1']);
    // pages of 4: (a0 a1 a2 a2') cut inside 0:2, read whole; (a3 b0 b1), b1 read whole; an empty page ends it
    expect(client.statements).toHaveLength(5);
    expect(await all(tableClient(rows), 2)).toEqual(['a0', 'a1', 'a2', 'a2 again', 'a2 thrice', 'a3', 'b0', 'b1']);
    expect(await all(tableClient(rows), 100)).toEqual(['a0', 'a1', 'a2', 'a2 again', 'a2 thrice', 'a3', 'b0', 'b1']);
    expect(await all(tableClient([]), 2)).toEqual([]);
  });

  it('does not take a page shorter than asked for the end (a server may answer fewer rows)', async () => {
    const rows: [number, number, string][] = [0, 1, 2, 3, 4, 5, 6].map((o) => [0, o, `a${o}`]);
    const client = tableClient(rows);
    const execute = client.execute.bind(client);
    // answers at most 3 rows a page whatever the LIMIT
    client.execute = async (sql: string) => (await execute(sql)).slice(0, 3);
    expect(await all(client, 5)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
  });
});

import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSourceRows } from './reconcile-sources.ts';

const pgUrl = process.env.PG_URL;
const schema = `reconcile_it_${Date.now().toString(36)}`;

describe.skipIf(!pgUrl)('readSourceRows (PostgreSQL)', () => {
  const sql = postgres(pgUrl ?? '', { max: 1, onnotice: () => undefined });
  beforeAll(async () => {
    await sql.unsafe(`create schema "${schema}"`);
    await sql.unsafe(`create table "${schema}".products (id bigint primary key, name text not null, category text, price numeric(12,2) not null, updated_timestamp timestamptz not null)`);
    await sql.unsafe(
      `insert into "${schema}".products select i, 'p' || i, null, i / 100.0, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 microsecond' from generate_series(1, 25) i`,
    );
  });
  afterAll(async () => {
    await sql.unsafe(`drop schema if exists "${schema}" cascade`);
    await sql.end();
  });

  it('streams the rows in numeric id order through a cursor, in the stage formats', async () => {
    const rows = [];
    for await (const r of readSourceRows(pgUrl ?? '', `${schema}.products`, 4)) rows.push(r);
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 25 }, (_, i) => String(i + 1)));
    expect(rows[9]).toEqual({ id: '10', name: 'p10', category: null, price: '0.10', updated_timestamp: '2026-01-01T00:00:00.000010Z' });
  });
});

import type { Sql } from 'postgres';
import { quoteIdent } from '../sql-identifiers.ts';

/**
 * Test support (never imported by production code): drops what an integration test made under
 * its id — the replication slots and publications whose names start with it, and the schema of
 * that name. A stopped task's walsender may hold its slot for a moment: the drop is retried
 * (up to 5 s) until no such slot is left.
 */
export async function dropReplicationFixtures(sql: Sql, id: string): Promise<void> {
  const ours = (name: string) => sql`left(${sql(name)}, ${id.length}) = ${id}`;
  for (let attempt = 0; attempt < 50; attempt++) {
    await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots where ${ours('slot_name')} and not active`.catch(() => undefined);
    const [left] = await sql<{ n: number }[]>`select count(*)::int as n from pg_replication_slots where ${ours('slot_name')}`;
    if (left?.n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const publications = await sql<{ pubname: string }[]>`select pubname from pg_publication where ${ours('pubname')}`;
  for (const p of publications) await sql.unsafe(`drop publication ${quoteIdent(p.pubname)}`);
  await sql.unsafe(`drop schema if exists ${quoteIdent(id)} cascade`);
}

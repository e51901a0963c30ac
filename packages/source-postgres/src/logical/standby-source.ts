import { ConfigError } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import { qualified, quoteIdent } from '../sql-identifiers.ts';
import type { TableRef } from '../tables.ts';
import { publicationOptions } from './slot-admin.ts';

/** Logical decoding on a standby exists from PostgreSQL 16 on. */
const STANDBY_DECODING_VERSION = 160000;

/**
 * Whether the source is a hot standby (`pg_is_in_recovery()`), where the capture writes nothing:
 * no heartbeat, no publication, no watermark. Refused with what to change on a standby older
 * than 16 or with write heartbeats switched on.
 */
export async function isStandbySource(sql: Sql, serverVersion: number, heartbeat: 'keepalive' | 'write'): Promise<boolean> {
  const [row] = await sql<{ standby: boolean }[]>`select pg_is_in_recovery() as standby`;
  if (!row?.standby) return false;
  if (serverVersion < STANDBY_DECODING_VERSION) {
    throw new ConfigError(`the source is a standby running PostgreSQL ${serverVersion}: logical decoding on a standby needs PostgreSQL 16 or later (or point the capture at the primary)`);
  }
  if (heartbeat === 'write') {
    throw new ConfigError('heartbeat=write (HEARTBEAT=write) writes into the WAL, which a standby cannot: use heartbeat=keepalive (the default) when capturing from a standby');
  }
  return true;
}

/**
 * On a standby the publication comes from the primary through the WAL: it must exist and publish
 * every captured table already (its options are then checked as on a primary). Refused with the
 * statement to run on the primary.
 */
export async function checkStandbyPublication(sql: Sql, publication: string, tables: readonly TableRef[], serverVersion: number): Promise<void> {
  const name = quoteIdent(publication);
  const [pub] = await sql<{ all_tables: boolean }[]>`select puballtables as all_tables from pg_publication where pubname = ${publication}`;
  const onPrimary = 'the source is a standby, which cannot create or change a publication: run on the primary (the standby receives it through the WAL)';
  if (!pub) {
    const list = tables.map((t) => qualified(t.schema, t.table)).join(', ');
    throw new ConfigError(`publication ${publication} does not exist; ${onPrimary}:\n  CREATE PUBLICATION ${name} FOR TABLE ${list} WITH (${publicationOptions(serverVersion)});`);
  }
  if (pub.all_tables) return;
  const published = await sql<{ schema: string; table: string }[]>`
    select schemaname::text as schema, tablename::text as table from pg_publication_tables where pubname = ${publication}`;
  const absent = tables.filter((t) => !published.some((p) => p.schema === t.schema && p.table === t.table));
  if (absent.length > 0) {
    throw new ConfigError(`publication ${publication} lacks captured tables; ${onPrimary}:\n  ALTER PUBLICATION ${name} ADD TABLE ${absent.map((t) => qualified(t.schema, t.table)).join(', ')};`);
  }
}

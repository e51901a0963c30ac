import { ConfigError } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import { qualified, quoteIdent } from '../sql-identifiers.ts';
import type { TableRef } from '../tables.ts';

/**
 * What the producer's role needs to capture its tables, as on a managed service where nobody is
 * a superuser: the REPLICATION attribute, USAGE on each captured schema, SELECT on each captured
 * table, and a publication that publishes them — which the role creates (or extends) itself only
 * where it may: CREATE on the database and ownership of the tables (of the publication too, to
 * add a table). Nothing else: no superuser, no ownership, no write access to the tables.
 *
 * Whatever is missing is refused at start in one ConfigError that lists the exact statements an
 * administrator runs, in the order to run them.
 */
export async function checkCapturePrivileges(sql: Sql, publication: string, tables: readonly TableRef[]): Promise<void> {
  const statements = await missingPrivilegeStatements(sql, publication, tables);
  if (statements.length === 0) return;
  const [who] = await sql<{ name: string }[]>`select current_user::text as name`;
  throw new ConfigError(
    `role ${who?.name ?? '?'} lacks rights the capture needs. Run as an administrator (the table owner or a superuser):\n` +
      statements.map((s) => `  ${s}`).join('\n'),
  );
}

interface RoleFacts {
  role: string;
  superuser: boolean;
  replication: boolean;
  /** Amazon RDS/Aurora grant replication through this role instead of the attribute. */
  rdsReplication: boolean;
  createOnDatabase: boolean;
  database: string;
}

interface TableFacts {
  ref: TableRef;
  schemaUsage: boolean;
  select: boolean;
  owned: boolean;
}

/** The statements that give the current role what it lacks (none when it has everything). */
export async function missingPrivilegeStatements(sql: Sql, publication: string, tables: readonly TableRef[]): Promise<string[]> {
  const role = await roleFacts(sql);
  if (role.superuser) return [];
  const facts = await Promise.all(tables.map((ref) => tableFacts(sql, ref)));
  const grantee = quoteIdent(role.role);
  const statements: string[] = [];
  if (!role.replication && !role.rdsReplication) {
    statements.push(`ALTER ROLE ${grantee} REPLICATION;  -- Amazon RDS/Aurora: GRANT rds_replication TO ${grantee};`);
  }
  const schemas = [...new Set(facts.filter((f) => !f.schemaUsage).map((f) => f.ref.schema))];
  if (schemas.length > 0) statements.push(`GRANT USAGE ON SCHEMA ${schemas.map(quoteIdent).join(', ')} TO ${grantee};`);
  const unreadable = facts.filter((f) => !f.select).map((f) => qualified(f.ref.schema, f.ref.table));
  if (unreadable.length > 0) statements.push(`GRANT SELECT ON TABLE ${unreadable.join(', ')} TO ${grantee};`);
  statements.push(...(await publicationStatements(sql, publication, role, facts)));
  return statements;
}

async function publicationStatements(sql: Sql, publication: string, role: RoleFacts, facts: readonly TableFacts[]): Promise<string[]> {
  const name = quoteIdent(publication);
  const [pub] = await sql<{ all_tables: boolean; owned: boolean }[]>`
    select puballtables as all_tables, pg_has_role(current_user, pubowner, 'USAGE') as owned
      from pg_publication where pubname = ${publication}`;
  const ownsAll = facts.every((f) => f.owned);
  if (!pub) {
    if (role.createOnDatabase && ownsAll) return [];
    const list = facts.map((f) => qualified(f.ref.schema, f.ref.table)).join(', ');
    return [`CREATE PUBLICATION ${name} FOR TABLE ${list} WITH (publish_via_partition_root = true);`];
  }
  if (pub.all_tables) return [];
  const published = await sql<{ schema: string; table: string }[]>`
    select schemaname::text as schema, tablename::text as table from pg_publication_tables where pubname = ${publication}`;
  const isPublished = (ref: TableRef) => published.some((p) => p.schema === ref.schema && p.table === ref.table);
  const absent = facts.filter((f) => !isPublished(f.ref));
  if (absent.length === 0 || (pub.owned && absent.every((f) => f.owned))) return [];
  return [`ALTER PUBLICATION ${name} ADD TABLE ${absent.map((f) => qualified(f.ref.schema, f.ref.table)).join(', ')};`];
}

async function roleFacts(sql: Sql): Promise<RoleFacts> {
  const [row] = await sql<RoleFacts[]>`
    select current_user::text as role, r.rolsuper as superuser, r.rolreplication as replication,
           coalesce((select pg_has_role(current_user, g.oid, 'MEMBER') from pg_roles g where g.rolname = 'rds_replication'), false) as "rdsReplication",
           has_database_privilege(current_database(), 'CREATE') as "createOnDatabase",
           current_database()::text as database
      from pg_roles r where r.rolname = current_user`;
  if (!row) throw new ConfigError('the current role is not in pg_roles');
  return row;
}

async function tableFacts(sql: Sql, ref: TableRef): Promise<TableFacts> {
  const [row] = await sql<{ usage: boolean; select: boolean; owned: boolean }[]>`
    select has_schema_privilege(current_user, n.oid, 'USAGE') as usage,
           has_table_privilege(current_user, c.oid, 'SELECT') as select,
           pg_has_role(current_user, c.relowner, 'USAGE') as owned
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = ${ref.schema} and c.relname = ${ref.table}`;
  return { ref, schemaUsage: row?.usage ?? false, select: row?.select ?? false, owned: row?.owned ?? false };
}

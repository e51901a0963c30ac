import { ConfigError, ConnectionError } from '@buyonline/connect-api';
import { qualified, qualifiedTable, quoteIdent } from '@buyonline/source-postgres';
import postgres, { type Sql } from 'postgres';
import type { TableRow } from './compare.ts';
import { type CatalogColumn, orderBy, type ReconcileTable, type TableShape } from './shape.ts';
import { fromPgText } from './values.ts';

/** `schema.table` or `table` (public) → the table's two names; quoted parts as in SQL (`"Odd . Schema"."Odd ""Table"""`). */
export function parsePgTable(name: string): { schema: string; table: string } {
  if (name.includes('"')) {
    const quoted = qualifiedTable.safeParse(name);
    if (!quoted.success) throw new ConfigError(`PG_TABLE: expected <schema>.<table> (parts quoted as in SQL), got ${name}`);
    return quoted.data;
  }
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((p) => p.length === 0)) throw new ConfigError(`PG_TABLE: expected <schema>.<table>, got ${name}`);
  const [schema, table] = parts.length === 1 ? ['public', parts[0] as string] : (parts as [string, string]);
  return { schema, table };
}

const mapPgError = (what: string, err: unknown): Error => {
  if (err instanceof ConfigError) return err;
  const code = (err as { code?: string }).code;
  if (code === '42P01') return new ConfigError(`reconcile: table ${what} does not exist`, { cause: err });
  if (code === '28P01' || code === '28000') return new ConfigError('PG_URL: PostgreSQL refused the credentials', { cause: err });
  return new ConnectionError(`cannot read ${what} from PostgreSQL: ${(err as Error).message}`, { cause: err });
};

/**
 * A connection for reconcile's reads: one at a time, with the session settings the canonical
 * values assume (values.ts), the source's own: ISO dates, UTC, ISO 8601 intervals, hex
 * bytea, shortest exact floats.
 */
export function reconcileSql(pgUrl: string, connections = 1): Sql {
  return postgres(pgUrl, {
    max: connections,
    onnotice: () => undefined,
    connect_timeout: 10,
    connection: { DateStyle: 'ISO, MDY', TimeZone: 'UTC', IntervalStyle: 'iso_8601', bytea_output: 'hex', extra_float_digits: '3', application_name: 'buyonline-reconcile' },
  });
}

interface CatalogRow {
  name: string;
  type_name: string;
  type_type: string;
  elem_name: string | null;
  elem_delim: string | null;
  elem_type: string | null;
  key_position: number;
}

/** The pg_type row of the type `oid` (an SQL expression), a domain followed down to its base type. */
function baseType(sql: Sql, oid: string) {
  return sql.unsafe(`
    with recursive d(oid, depth) as (
      select ${oid}, 0
      union all
      select t.typbasetype, d.depth + 1 from d join pg_type t on t.oid = d.oid where t.typtype = 'd' and d.depth < 100)
    select t.* from d join pg_type t on t.oid = d.oid order by d.depth desc limit 1`);
}

/**
 * The columns of a table (live ones, in column order) with their types and place in the
 * primary key. A table that does not exist (or that this user cannot see) is a ConfigError.
 */
export async function readCatalogColumns(sql: Sql, ref: Pick<ReconcileTable, 'schema' | 'table'>): Promise<CatalogColumn[]> {
  const name = `${ref.schema}.${ref.table}`;
  let rows: CatalogRow[];
  try {
    rows = await sql<CatalogRow[]>`
      select a.attname::text as name, t.typname::text as type_name, t.typtype::text as type_type,
             et.typname::text as elem_name, et.typtype::text as elem_type, ae.typdelim::text as elem_delim,
             -- indkey (an int2vector) is subscripted from 0
             coalesce(array_position(i.indkey::int2[], a.attnum) + 1, 0)::int as key_position
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        -- as the source maps them: a domain is its base type, an array is the typarray of its element (int2vector is not)
        join lateral (${baseType(sql, 'a.atttypid')}) t on true
        left join pg_type ae on ae.oid = t.typelem and ae.typarray = t.oid
        left join lateral (${baseType(sql, 'ae.oid')}) et on ae.oid is not null
        left join pg_index i on i.indrelid = a.attrelid and i.indisprimary
       where n.nspname = ${ref.schema} and c.relname = ${ref.table} and c.relkind in ('r', 'p')
         and a.attnum > 0 and not a.attisdropped
       order by a.attnum`;
  } catch (err) {
    throw mapPgError(name, err);
  }
  if (rows.length === 0) throw new ConfigError(`reconcile: table ${name} does not exist (or is not a table this user can see)`);
  return rows.map((r) => ({
    name: r.name,
    typeName: r.type_name,
    typeType: r.type_type,
    element: r.elem_name ? { typeName: r.elem_name, typeType: r.elem_type ?? 'b', delimiter: r.elem_delim ?? ',' } : undefined,
    keyPosition: r.key_position,
  }));
}

/**
 * PostgreSQL's current rows of a table in key order (keyComparator's), as canonical values
 * (each column's text output, see values.ts), read through a cursor `batch` rows at
 * a time: one consistent snapshot (one statement), never the whole table in memory.
 */
export async function* readSourceRows(sql: Sql, shape: TableShape, batch = 5_000): AsyncGenerator<TableRow> {
  const columns = shape.columns.map((c) => `t.${quoteIdent(c.name)}`).join(', ');
  // raw(): every value as the text PostgreSQL printed, none parsed by the driver (a Date would lose microseconds)
  const cursor = sql
    .unsafe(`select ${columns} from ${qualified(shape.schema, shape.table)} as t order by ${orderBy(shape, quoteIdent, 't')}`)
    .raw()
    .cursor(batch);
  try {
    for await (const rows of cursor) {
      for (const raw of rows as unknown as (Buffer | null)[][]) {
        const values = shape.columns.map((c, i) => fromPgText(c, raw[i] ? (raw[i] as Buffer).toString('utf8') : null));
        yield { key: shape.key.map((i) => values[i] as string), values };
      }
    }
  } catch (err) {
    throw mapPgError(shape.name, err);
  }
}

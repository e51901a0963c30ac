import { ConfigError } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import type { ArrayElement, ColumnInfo } from './column-types.ts';

/** A column of a pgoutput Relation message: the columns the following rows were written with. */
export interface RelationColumn {
  flags: number;
  name: string;
  typeOid: number;
  typeMod: number;
}

export interface RelationMessage {
  relationOid: number;
  schema: string;
  name: string;
  replicaIdentity: string;
  columns: RelationColumn[];
}

/** A column type as values are converted: a domain is its base type (and the domain's typmod). */
export interface TypeInfo {
  typeName: string;
  typeType: string;
  /** The domain's type modifier (numeric(10,2) under a domain), -1 when none: a column's own modifier comes first. */
  typeMod: number;
  element?: ArrayElement | undefined;
}

interface TypeRow {
  oid: number;
  type_name: string;
  type_type: string;
  type_mod: number;
  elem_oid: number | null;
  elem_delim: string | null;
}

/**
 * Each type with its domains followed to the base type; an array's element likewise (an array
 * is a type that is its element's `typarray`: int2vector and point are not). One query, two
 * when an array's element is a domain.
 */
export async function lookupTypes(sql: Sql, oids: readonly number[]): Promise<Map<number, TypeInfo>> {
  const rows = await baseTypes(sql, oids);
  const elements = [...new Set(rows.flatMap((r) => (r.elem_oid === null ? [] : [r.elem_oid])))];
  const elementRows = new Map((elements.length === 0 ? [] : await baseTypes(sql, elements)).map((r) => [r.oid, r]));
  const out = new Map<number, TypeInfo>();
  for (const r of rows) {
    const elem = r.elem_oid === null ? undefined : elementRows.get(r.elem_oid);
    out.set(r.oid, {
      typeName: r.type_name,
      typeType: r.type_type,
      typeMod: r.type_mod,
      element: elem ? { typeName: elem.type_name, typeType: elem.type_type, delimiter: r.elem_delim ?? ',' } : undefined,
    });
  }
  return out;
}

function baseTypes(sql: Sql, oids: readonly number[]): Promise<TypeRow[]> {
  return sql<TypeRow[]>`
    with recursive chain(oid, cur, type_mod, depth) as (
      select t.oid, t.oid, -1, 0 from pg_type t where t.oid = any(${oids as number[]}::oid[])
      union all
      select c.oid, t.typbasetype, case when c.type_mod = -1 then t.typtypmod else c.type_mod end, c.depth + 1
        from chain c join pg_type t on t.oid = c.cur
       where t.typtype = 'd' and c.depth < 100
    )
    select distinct on (c.oid) c.oid::int as oid, b.typname::text as type_name, b.typtype::text as type_type, c.type_mod,
           et.oid::int as elem_oid, et.typdelim::text as elem_delim
      from chain c
      join pg_type b on b.oid = c.cur
      left join pg_type et on et.oid = b.typelem and et.typarray = b.oid
     where b.typtype <> 'd'
     order by c.oid, c.depth desc`;
}

/** Column types by OID, looked up once each (OIDs of existing types never change meaning). */
export class TypeCatalog {
  private readonly known = new Map<number, TypeInfo>();

  constructor(private readonly sql: () => Sql) {}

  async resolve(oids: readonly number[]): Promise<ReadonlyMap<number, TypeInfo>> {
    const missing = [...new Set(oids)].filter((oid) => !this.known.has(oid));
    if (missing.length > 0) for (const [oid, info] of await lookupTypes(this.sql(), missing)) this.known.set(oid, info);
    return this.known;
  }
}

/**
 * The columns of a Relation message as ColumnInfo: names, types and type modifiers exactly as
 * the rows after it were written (a column dropped later is still there; a type changed later
 * is still the old one). The key comes from the table's primary key (under REPLICA IDENTITY
 * FULL the message flags every column).
 */
export async function columnsFromRelation(relation: RelationMessage, types: TypeCatalog, keyColumns: readonly string[]): Promise<ColumnInfo[]> {
  const known = await types.resolve(relation.columns.map((c) => c.typeOid));
  return relation.columns.map((c) => {
    const type = known.get(c.typeOid);
    if (!type) throw new ConfigError(`column ${c.name} of ${relation.schema}.${relation.name} has type oid ${c.typeOid}, which PostgreSQL no longer knows`);
    const isKey = keyColumns.includes(c.name);
    return { name: c.name, typeName: type.typeName, typeType: type.typeType, typeMod: c.typeMod === -1 ? type.typeMod : c.typeMod, notNull: isKey, isKey, element: type.element };
  });
}

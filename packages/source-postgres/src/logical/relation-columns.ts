import { ConfigError } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import type { ColumnInfo } from './column-types.ts';

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

interface TypeInfo {
  typeName: string;
  typeType: string;
  element?: { typeName: string; typeType: string } | undefined;
}

/** Type names by OID, looked up once each (OIDs of existing types never change meaning). */
export class TypeCatalog {
  private readonly known = new Map<number, TypeInfo>();

  constructor(private readonly sql: () => Sql) {}

  async resolve(oids: readonly number[]): Promise<ReadonlyMap<number, TypeInfo>> {
    const missing = [...new Set(oids)].filter((oid) => !this.known.has(oid));
    if (missing.length > 0) {
      const rows = await this.sql()<{ oid: number; type_name: string; type_type: string; elem_name: string | null; elem_type: string | null }[]>`
        select t.oid::int as oid, t.typname::text as type_name, t.typtype::text as type_type,
               et.typname::text as elem_name, et.typtype::text as elem_type
          from pg_type t left join pg_type et on et.oid = t.typelem and t.typcategory = 'A'
         where t.oid = any(${missing}::oid[])`;
      for (const r of rows) {
        this.known.set(r.oid, {
          typeName: r.type_name,
          typeType: r.type_type,
          element: r.elem_name ? { typeName: r.elem_name, typeType: r.elem_type ?? 'b' } : undefined,
        });
      }
    }
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
    return { name: c.name, typeName: type.typeName, typeType: type.typeType, typeMod: c.typeMod, notNull: isKey, isKey, element: type.element };
  });
}

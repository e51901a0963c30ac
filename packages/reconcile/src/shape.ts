import { type ColumnSpec, keyOrder, kindOf } from './values.ts';

/** One captured table and the topic(s) its changes went to. */
export interface ReconcileTable {
  schema: string;
  table: string;
  topic: string | readonly string[];
}

/** A column as the catalog describes it (what `readCatalogColumns` returns). */
export interface CatalogColumn {
  name: string;
  /** pg_type.typname (of the element, for an array: see `elementTypeName`). */
  typeName: string;
  /** pg_type.typtype: 'b' base, 'e' enum, 'd' domain, … */
  typeType: string;
  /** For an array column: its element type, and the delimiter of its elements in the array's text (`;` for box). */
  element?: { typeName: string; typeType: string; delimiter?: string } | undefined;
  /** 1-based place in the primary key; 0 when the column is not part of it. */
  keyPosition: number;
}

/** What reconcile compares of one table. */
export interface TableShape {
  schema: string;
  table: string;
  /** `schema.table`, as stage lines name it in `__source`. */
  name: string;
  topics: readonly string[];
  /** The compared columns, in the table's column order (excluded columns left out). */
  columns: readonly ColumnSpec[];
  /** The primary key columns, as indexes into `columns`, in key order. */
  key: readonly number[];
}

export type ShapeResult = { ok: true; shape: TableShape } | { ok: false; reason: string };

/** The columns left out of every record by default (the polling mode's bookkeeping). */
export const DEFAULT_EXCLUDED_COLUMNS: readonly string[] = ['cdc_txid', 'cdc_version'];

/**
 * The shape of a table from its catalog columns, or why it cannot be reconciled: a table
 * without a primary key (its stage lines carry no key, and an update line keeps only the new
 * row, so the stage cannot say which row it replaced), or a key with an array column.
 * Key columns are compared even when `excludeColumns` names them.
 */
export function tableShape(ref: ReconcileTable, catalog: readonly CatalogColumn[], excludeColumns: readonly string[]): ShapeResult {
  const name = `${ref.schema}.${ref.table}`;
  const keyColumns = catalog.filter((c) => c.keyPosition > 0).sort((a, b) => a.keyPosition - b.keyPosition);
  if (keyColumns.length === 0) {
    return { ok: false, reason: `${name} has no primary key: a keyless table's stage lines cannot be matched to its rows (an update keeps only the new row), so it is not reconciled` };
  }
  const arrayKey = keyColumns.find((c) => c.element);
  if (arrayKey) return { ok: false, reason: `${name}: primary key column ${arrayKey.name} is an array, which reconcile cannot order` };
  const kept = catalog.filter((c) => c.keyPosition > 0 || !excludeColumns.includes(c.name));
  const columns = kept.map((c): ColumnSpec => {
    const type = c.element ?? c;
    const spec: ColumnSpec = { name: c.name, kind: kindOf(type.typeName, type.typeType), array: c.element !== undefined };
    if (c.element?.delimiter !== undefined && c.element.delimiter !== ',') spec.delimiter = c.element.delimiter;
    return spec;
  });
  const key = keyColumns.map((k) => kept.indexOf(k));
  const topics = typeof ref.topic === 'string' ? [ref.topic] : [...ref.topic];
  return { ok: true, shape: { schema: ref.schema, table: ref.table, name, topics, columns, key } };
}

export type KeyParts = readonly string[];

/** The order of keys (each a list of canonical key values, in key order): PostgreSQL's ORDER BY of `orderBy(shape)`. */
export function keyComparator(shape: TableShape): (a: KeyParts, b: KeyParts) => number {
  const compares = shape.key.map((i) => keyOrder(shape.columns[i] as ColumnSpec, '').compare);
  if (compares.length === 1) {
    const only = compares[0] as (a: string, b: string) => number;
    return (a, b) => only(a[0] as string, b[0] as string);
  }
  return (a, b) => {
    for (let i = 0; i < compares.length; i++) {
      const c = (compares[i] as (x: string, y: string) => number)(a[i] as string, b[i] as string);
      if (c !== 0) return c;
    }
    return 0;
  };
}

/** The ORDER BY list that reads the table in `keyComparator` order. */
export function orderBy(shape: TableShape, quote: (ident: string) => string, alias: string): string {
  return shape.key.map((i) => keyOrder(shape.columns[i] as ColumnSpec, `${alias}.${quote((shape.columns[i] as ColumnSpec).name)}`).orderBy).join(', ');
}

/** A key as people read it: the value of a one-column key, the JSON array of a composite key's values. */
export function displayKey(key: KeyParts): string {
  return key.length === 1 ? (key[0] as string) : JSON.stringify(key);
}

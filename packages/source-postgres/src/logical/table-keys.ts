import type { Sql } from 'postgres';
import { quoteIdent, quoteLiteral } from '../sql-identifiers.ts';
import type { ColumnInfo } from './column-types.ts';
import type { KeyOrder, SnapshotKeys } from './snapshot-keys.ts';

type Row = Record<string, string | null | undefined>;

/**
 * A captured table's primary key (one column or several) as PostgreSQL orders it: the text a
 * snapshot stores as its last key, the next chunk's query, and comparisons of keys. A single
 * column's key is its text; a composite key is a JSON array of the columns' texts.
 */
export class TableKeys {
  private orders: KeyOrder[] = [];

  constructor(
    private readonly keys: SnapshotKeys,
    readonly schema: string,
    readonly table: string,
    readonly columns: readonly ColumnInfo[],
  ) {}

  get composite(): boolean {
    return this.columns.length > 1;
  }

  /** Reads each key column's type and collation (before chunk queries and comparisons). */
  async describe(sql: Sql): Promise<void> {
    const orders: KeyOrder[] = [];
    for (const column of this.columns) orders.push(await this.keys.describe(sql, this.schema, this.table, column));
    this.orders = orders;
  }

  /** The key of a row as stored (null when a key column is missing from it). */
  keyText(row: Row): string | null {
    const parts: string[] = [];
    for (const column of this.columns) {
      const value = row[column.name];
      if (value === null || value === undefined) return null;
      parts.push(value);
    }
    return this.composite ? JSON.stringify(parts) : (parts[0] ?? null);
  }

  private parts(text: string): string[] {
    return this.composite ? (JSON.parse(text) as string[]) : [text];
  }

  /**
   * The select of the rows after `lastKey` (and, when given, up to `upTo`, inclusive) in the key's
   * order (a row comparison over the primary key index for a composite key), the keys' parts
   * written in as literals (COPY takes no bind parameters), each cast back to its column's type
   * and collation.
   */
  chunkSelect(table: string, selectList: string, lastKey: string | null, limit: number, upTo: string | null = null): string {
    const columns = this.columns.map((c) => `t.${quoteIdent(c.name)}`);
    const bound = (key: string, op: '>' | '<=') => {
      const parts = this.parts(key);
      const casts = this.orders.map((o, i) => `${quoteLiteral(parts[i] ?? '')}::text::${o.castType}${o.collation ? ` collate ${o.collation}` : ''}`);
      return this.composite ? `(${columns.join(', ')}) ${op} (${casts.join(', ')})` : `${columns[0]} ${op} ${casts[0]}`;
    };
    const conditions = [...(lastKey === null ? [] : [bound(lastKey, '>')]), ...(upTo === null ? [] : [bound(upTo, '<=')])];
    const where = conditions.length === 0 ? '' : `where ${conditions.join(' and ')} `;
    return `select ${selectList} from ${table} t ${where}order by ${columns.join(', ')} limit ${Math.trunc(limit)}`;
  }

  /** Compares two stored keys column by column, as PostgreSQL orders them. */
  compare(a: string, b: string): number {
    const [x, y] = [this.parts(a), this.parts(b)];
    for (let i = 0; i < this.columns.length; i++) {
      const c = this.keys.compare(this.columns[i] as ColumnInfo, x[i] ?? '', y[i] ?? '', this.orders[i]);
      if (c !== 0) return c;
    }
    return 0;
  }

  /** Lets PostgreSQL compare the keys with the bounds for each column whose order only it knows. */
  async resolve(sql: Sql, keys: readonly string[], bounds: readonly string[]): Promise<void> {
    if (keys.length === 0 || bounds.length === 0) return;
    const [keyParts, boundParts] = [keys.map((k) => this.parts(k)), bounds.map((b) => this.parts(b))];
    for (let i = 0; i < this.columns.length; i++) {
      const column = this.columns[i] as ColumnInfo;
      await this.keys.resolve(
        sql,
        this.schema,
        this.table,
        column,
        keyParts.map((p) => p[i] ?? ''),
        boundParts.map((p) => p[i] ?? ''),
      );
    }
  }
}

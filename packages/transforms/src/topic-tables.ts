import type { TransformRecord } from '@buyonline/connect-api';
import { isSourcedChange } from './change-value.ts';
import { BoundedMap } from './schema-cache.ts';

/** The table a record belongs to. */
export interface TableIdentity {
  db: string | undefined;
  schema: string;
  table: string;
  /** `<schema>.<table>` */
  qualified: string;
}

/**
 * Tells which table a record belongs to: its source says so, and a tombstone (no value, no
 * source) belongs to the table last seen on its topic. That is sound because the source sends
 * each table to its own topic, and a tombstone right after the delete it completes.
 */
export class TopicTables {
  readonly #byTopic = new BoundedMap<string, TableIdentity>();

  identify(record: TransformRecord): TableIdentity | undefined {
    const known = this.#byTopic.get(record.topic);
    if (!isSourcedChange(record.value)) return known;
    const { db, schema, table } = record.value.source;
    if (typeof schema !== 'string' || typeof table !== 'string') return undefined;
    const database = typeof db === 'string' ? db : undefined;
    // The same table as last time (the usual case): no new object per record.
    if (known && known.schema === schema && known.table === table && known.db === database) return known;
    const identity = { db: database, schema, table, qualified: `${schema}.${table}` };
    this.#byTopic.set(record.topic, identity);
    return identity;
  }
}

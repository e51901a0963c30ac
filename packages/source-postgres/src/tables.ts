import { ConfigError } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import type { PostgresSourceConfig } from './config.ts';
import { schemaNamesFor } from './logical/table-schema.ts';
import { checkDistinct, kafkaTopicName, topicPart } from './names.ts';
import { quoteIdent } from './sql-identifiers.ts';

/** One captured table. */
export interface TableRef {
  schema: string;
  table: string;
}

export function tableName(ref: TableRef): string {
  return `${ref.schema}.${ref.table}`;
}

/** `<schema>.<table>` with a part quoted as in SQL when it is not a plain name: one table, one text (`"x"."a.b"` is not `"x.a".b`). */
export function quotedTableName(ref: TableRef): string {
  const part = (name: string) => (/^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) ? name : quoteIdent(name));
  return `${part(ref.schema)}.${part(ref.table)}`;
}

/** A table's key in maps: its two names, never confused with another's (tableName joins them with a dot, which a name may hold). */
const refKey = (schema: string, table: string) => JSON.stringify([schema, table]);

type Selection = Pick<PostgresSourceConfig, 'tables' | 'tableRegex' | 'excludeTables'>;

/**
 * The tables a configuration captures, as they exist now: the listed ones (each must exist)
 * plus every ordinary or partitioned table matching the regular expression, minus the excluded.
 * A partition is never captured on its own: its changes are published through its root.
 */
export async function resolveTables(sql: Sql, selection: Selection): Promise<TableRef[]> {
  const rows = await sql<{ schema: string; table: string; kind: string; is_partition: boolean }[]>`
    select n.nspname::text as schema, c.relname::text as table, c.relkind::text as kind, c.relispartition as is_partition
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`;
  const existing = new Map(rows.map((r) => [refKey(r.schema, r.table), r]));
  const excluded = new Set(selection.excludeTables.map((t) => refKey(t.schema, t.table)));
  const chosen = new Map<string, TableRef>();
  for (const ref of selection.tables) {
    const key = refKey(ref.schema, ref.table);
    const name = quotedTableName(ref);
    const row = existing.get(key);
    if (!row) throw new ConfigError(`source.tables: table ${name} does not exist (or is not a table this user can see)`);
    if (row.is_partition) throw new ConfigError(`source.tables: ${name} is a partition; capture its partitioned root table instead (changes are published via the root)`);
    if (!excluded.has(key)) chosen.set(key, ref);
  }
  if (selection.tableRegex !== undefined) {
    const pattern = new RegExp(`^(?:${selection.tableRegex})$`);
    for (const [key, row] of existing) {
      if (row.is_partition || excluded.has(key) || !pattern.test(`${row.schema}.${row.table}`)) continue;
      chosen.set(key, { schema: row.schema, table: row.table });
    }
  }
  if (chosen.size === 0) throw new ConfigError('source: no table matches the configured tables and tableRegex (after excludeTables)');
  return [...chosen.values()].sort((a, b) => tableName(a).localeCompare(tableName(b)));
}

/**
 * Where a table's changes go: the topic template with its placeholders filled in, the schema and
 * table escaped for Kafka (`topicPart`) and the whole shortened when longer than Kafka allows.
 */
export function topicFor(config: Pick<PostgresSourceConfig, 'topicPrefix' | 'topicTemplate'>, ref: TableRef): string {
  const topic = config.topicTemplate
    .replaceAll('{prefix}', config.topicPrefix)
    .replaceAll('{schema}', topicPart(ref.schema))
    .replaceAll('{table}', topicPart(ref.table));
  return kafkaTopicName(topic, tableName(ref));
}

/**
 * Two tables may not share a topic (each topic has one key and value schema: its registry
 * subjects), nor topics Kafka cannot tell apart (`.` and `_` collide in its metric names),
 * nor an Avro namespace: refused at start, naming both tables.
 */
export function checkTopics(config: Pick<PostgresSourceConfig, 'topicPrefix' | 'topicTemplate'>, tables: readonly TableRef[]): void {
  const hint = 'source.topicTemplate (put {schema} and {table} in it)';
  // Tables are known by `schema.table` (positions, signals, the stream's Relation messages): two that read alike cannot both be captured.
  const same = (name: string) => name;
  checkDistinct('source: tables', tables.map((ref) => [tableName(ref), quotedTableName(ref)] as const), same, same);
  checkDistinct(`${hint}: the topics of`, tables.map((ref) => [topicFor(config, ref), quotedTableName(ref)] as const), (topic) => topic.replaceAll('.', '_'), same);
  checkDistinct('Avro namespaces of', tables.map((ref) => [schemaNamesFor(config.topicPrefix, ref.schema, ref.table).namespace, quotedTableName(ref)] as const), same, same);
}

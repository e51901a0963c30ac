import { ConfigError } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import type { PostgresSourceConfig } from './config.ts';
import { schemaNamesFor } from './logical/table-schema.ts';
import { checkDistinct, kafkaTopicName, topicPart } from './names.ts';

/** One captured table. */
export interface TableRef {
  schema: string;
  table: string;
}

export function tableName(ref: TableRef): string {
  return `${ref.schema}.${ref.table}`;
}

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
  const existing = new Map(rows.map((r) => [`${r.schema}.${r.table}`, r]));
  const excluded = new Set(selection.excludeTables.map(tableName));
  const chosen = new Map<string, TableRef>();
  for (const ref of selection.tables) {
    const name = tableName(ref);
    const row = existing.get(name);
    if (!row) throw new ConfigError(`source.tables: table ${name} does not exist (or is not a table this user can see)`);
    if (row.is_partition) throw new ConfigError(`source.tables: ${name} is a partition; capture its partitioned root table instead (changes are published via the root)`);
    if (!excluded.has(name)) chosen.set(name, ref);
  }
  if (selection.tableRegex !== undefined) {
    const pattern = new RegExp(`^(?:${selection.tableRegex})$`);
    for (const [name, row] of existing) {
      if (row.is_partition || excluded.has(name) || !pattern.test(name)) continue;
      chosen.set(name, { schema: row.schema, table: row.table });
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
  checkDistinct(`${hint}: tables`, tables.map((ref) => [topicFor(config, ref), tableName(ref)] as const), (topic) => topic.replaceAll('.', '_'));
  checkDistinct('Avro namespaces: tables', tables.map((ref) => [schemaNamesFor(config.topicPrefix, ref.schema, ref.table).namespace, tableName(ref)] as const));
}

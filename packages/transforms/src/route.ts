import { DataError, type TransformPlugin, type TransformRecord } from '@buyonline/connect-api';
import { z } from 'zod';
import { isSourcedChange } from './change-value.ts';
import { regexText } from './config-parts.ts';
import { BoundedMap } from './schema-cache.ts';
import { Scope, scopeShape } from './scope.ts';
import { type TableIdentity, TopicTables } from './topic-tables.ts';
import { TRANSFORMS_VERSION } from './version.ts';

const PLACEHOLDERS = ['topic', 'db', 'schema', 'table', 'op'] as const;
const PLACEHOLDER = /\{([^{}]*)\}/g;
/** What Kafka takes as a topic name. */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export const routeConfigSchema = z
  .object({
    template: z
      .string()
      .min(1)
      .refine((t) => [...t.matchAll(PLACEHOLDER)].every((m) => (PLACEHOLDERS as readonly string[]).includes(m[1] ?? '')), {
        error: `unknown placeholder: a template may use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      })
      .optional()
      .describe('The new topic, with {topic} (the current one), {db}, {schema}, {table} and {op} (c, u, d, r or t) replaced, e.g. analytics.{schema}.{table}.'),
    regex: regexText
      .optional()
      .describe('Kafka Connect’s RegexRouter: a topic that matches this regular expression (the whole name) is replaced by `replacement`; others keep theirs.'),
    replacement: z.string().min(1).optional().describe('The new topic for `regex`, with $1, $2 … for its groups (and $<name> for named ones).'),
    ...scopeShape,
  })
  .refine((c) => (c.template === undefined) !== (c.regex === undefined), { error: 'give either `template` or `regex` + `replacement`, not both' })
  .refine((c) => (c.regex === undefined) === (c.replacement === undefined), {
    error: '`regex` and `replacement` go together',
    path: ['replacement'],
  });
export type RouteConfig = z.output<typeof routeConfigSchema>;

function checkedTopic(topic: string, how: string): string {
  if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
    throw new DataError(`route: ${how} gives "${topic}", which is not a Kafka topic name (letters, digits, ., _ and -, at most 249)`);
  }
  return topic;
}

/** {placeholders} → the topic: built once per topic, table and op, and remembered. */
function templateRouter(template: string, tables: TopicTables): (record: TransformRecord) => string {
  const usesTable = /\{(db|schema|table)\}/.test(template);
  // Per input topic: the table it was built for and the topic of each op.
  const routes = new BoundedMap<string, { table: TableIdentity | undefined; byOp: Map<string, string> }>();
  return (record) => {
    const table = usesTable ? tables.identify(record) : undefined;
    if (usesTable && !table) {
      throw new DataError(`route: the template ${template} needs the table of a record on topic ${record.topic}, which has none (a tombstone before any change of its table)`);
    }
    // A tombstone is the second half of a delete: it goes where the delete went.
    const op = isSourcedChange(record.value) ? record.value.op : 'd';
    let known = routes.get(record.topic);
    if (!known || known.table !== table) {
      known = { table, byOp: new Map() };
      routes.set(record.topic, known);
    }
    let topic = known.byOp.get(op);
    if (topic === undefined) {
      const values: Record<string, string> = { topic: record.topic, db: table?.db ?? '', schema: table?.schema ?? '', table: table?.table ?? '', op };
      topic = checkedTopic(
        template.replace(PLACEHOLDER, (_, name: string) => values[name] ?? ''),
        `the template ${template}`,
      );
      known.byOp.set(op, topic);
    }
    return topic;
  };
}

function regexRouter(regex: string, replacement: string): (record: TransformRecord) => string {
  const pattern = new RegExp(`^(?:${regex})$`);
  const routes = new BoundedMap<string, string>();
  return (record) => {
    let topic = routes.get(record.topic);
    if (topic === undefined) {
      topic = pattern.test(record.topic) ? checkedTopic(record.topic.replace(pattern, replacement), `the regex ${regex}`) : record.topic;
      routes.set(record.topic, topic);
    }
    return topic;
  };
}

/**
 * Sends records to another topic, by template or by Kafka Connect's RegexRouter rule. Schemas
 * are not changed; the registry subject follows the topic (`<topic>-value`), so two tables must
 * not be routed to one topic.
 */
export const routeTransform: TransformPlugin<typeof routeConfigSchema> = {
  name: 'route',
  version: TRANSFORMS_VERSION,
  kind: 'transform',
  description: 'Sets the topic of a record from a template ({topic}, {db}, {schema}, {table}, {op}) or a regex and replacement.',
  configSchema: routeConfigSchema,
  create(config) {
    const tables = new TopicTables();
    const scope = new Scope(config, tables);
    const route =
      config.template !== undefined ? templateRouter(config.template, tables) : regexRouter(config.regex as string, config.replacement as string);
    return {
      apply<R extends TransformRecord>(record: R): R | null {
        if (!scope.covers(record)) return record;
        const topic = route(record);
        return topic === record.topic ? record : { ...record, topic };
      },
    };
  },
};

import { type AvroSchema, DataError, type TransformPlugin, type TransformRecord } from '@buyonline/connect-api';
import { z } from 'zod';
import { asChangeValue, type ChangeValue } from './change-value.ts';
import { debeziumSchema, debeziumValue } from './debezium-envelope.ts';
import { FLATTEN_FIELDS, Flattener } from './flatten-envelope.ts';
import { BoundedMap, SchemaCache } from './schema-cache.ts';
import { Scope, scopeShape } from './scope.ts';
import { TRANSFORMS_VERSION } from './version.ts';

export const envelopeConfigSchema = z.object({
  format: z
    .enum(['debezium', 'flatten'])
    .describe(
      'debezium: the value shape of Debezium’s PostgreSQL connector (before, after, source, op, ts_ms, transaction); flatten: the row alone with __ metadata fields (Debezium’s ExtractNewRecordState).',
    ),
  serverName: z
    .string()
    .min(1)
    .optional()
    .describe(
      'debezium: source.name (Debezium’s topic.prefix); by default the topic without its .<schema>.<table> ending, or the database name when the topic does not end so.',
    ),
  sourceVersion: z.string().min(1).default(TRANSFORMS_VERSION).describe('debezium: source.version.'),
  addFields: z
    .array(z.enum(FLATTEN_FIELDS))
    .default(['op', 'table', 'source_ts_ms'])
    .refine((fields) => new Set(fields).size === fields.length, { error: 'a field is listed twice' })
    .describe(`flatten: metadata added to the row as __<name> fields (Debezium’s add.fields), of ${FLATTEN_FIELDS.join(', ')}.`),
  deletes: z
    .enum(['rewrite', 'drop'])
    .default('rewrite')
    .describe('flatten: rewrite a delete as the row before it with __deleted "true" (every other record gets "false"), or drop deletes (and add no __deleted).'),
  tombstones: z.enum(['keep', 'drop']).default('keep').describe('What happens to tombstones (null values): kept as they are, or dropped.'),
  ...scopeShape,
});
export type EnvelopeConfig = z.output<typeof envelopeConfigSchema>;

/** Debezium's topic.prefix guessed from the topic (`<prefix>.<schema>.<table>`), else the database. */
function serverNameGuesser(): (topic: string, change: ChangeValue) => string {
  const names = new BoundedMap<string, string>();
  return (topic, change) => {
    let name = names.get(topic);
    if (name === undefined) {
      const ending = `.${change.source.schema}.${change.source.table}`;
      name = topic.endsWith(ending) && topic.length > ending.length ? topic.slice(0, -ending.length) : String(change.source.db ?? topic);
      names.set(topic, name);
    }
    return name;
  };
}

/** One format: the new value of a change (null drops the record) and the new value schema. */
interface Reshaper {
  value(change: ChangeValue, record: TransformRecord): unknown;
  schema(valueSchema: AvroSchema): AvroSchema;
}

function debeziumReshaper(config: EnvelopeConfig): Reshaper {
  const schemas = new SchemaCache(debeziumSchema);
  const guess = serverNameGuesser();
  return {
    value: (change, record) => debeziumValue(change, config.serverName ?? guess(record.topic, change), config.sourceVersion),
    schema: (valueSchema) => schemas.get(valueSchema, undefined),
  };
}

function flattenReshaper(config: EnvelopeConfig): Reshaper {
  const flattener = new Flattener(config.addFields, config.deletes === 'rewrite');
  const schemas = new SchemaCache((valueSchema) => flattener.schema(valueSchema));
  return {
    value(change, record) {
      // A truncate has no row to flatten (and no key): dropped, as a flattened topic has no way to say it.
      if (change.op === 't') return null;
      if (change.op === 'd' && config.deletes === 'drop') return null;
      const row = change.op === 'd' ? change.before : change.after;
      if (row === null) throw new DataError(`envelope: a ${change.op} change on topic ${record.topic} has no ${change.op === 'd' ? 'before' : 'after'} row to flatten`);
      return flattener.value(change, row);
    },
    schema: (valueSchema) => schemas.get(valueSchema, undefined),
  };
}

/**
 * Reshapes our change envelope for consumers that expect Debezium's: its PostgreSQL connector's
 * value (format: debezium) or ExtractNewRecordState's flat row (format: flatten), with the value
 * schema rewritten to match (cached per input schema). Put it last in the chain: the
 * transforms that read rows expect our envelope (debezium keeps before/after, so they still work after it).
 */
export const envelopeTransform: TransformPlugin<typeof envelopeConfigSchema> = {
  name: 'envelope',
  version: TRANSFORMS_VERSION,
  kind: 'transform',
  description: 'Rewrites the change envelope as Debezium’s PostgreSQL value (debezium) or as the flat row with __ metadata (flatten), schema included.',
  configSchema: envelopeConfigSchema,
  create(config) {
    const scope = new Scope(config);
    const reshaper = config.format === 'debezium' ? debeziumReshaper(config) : flattenReshaper(config);
    return {
      apply<R extends TransformRecord>(record: R): R | null {
        if (!scope.covers(record)) return record;
        if (record.value === null || record.value === undefined) return config.tombstones === 'keep' ? record : null;
        const value = reshaper.value(asChangeValue(record.value, 'envelope'), record);
        if (value === null) return null;
        if (record.valueSchema === undefined) return { ...record, value };
        return { ...record, value, valueSchema: reshaper.schema(record.valueSchema) };
      },
    };
  },
};

import type { AvroSchema, Logger, TransformPlugin, TransformRecord } from '@buyonline/connect-api';
import { z } from 'zod';
import { asChangeValue } from './change-value.ts';
import { compileCondition, conditionColumns, conditionSchema, type Predicate } from './condition.ts';
import { rowSchemaParts } from './row-schema.ts';
import { SchemaCache } from './schema-cache.ts';
import { Scope, scopeShape } from './scope.ts';
import { TRANSFORMS_VERSION } from './version.ts';

const OPS = ['c', 'u', 'd', 'r', 't'] as const;

export const filterConfigSchema = z.object({
  ops: z
    .array(z.enum(OPS))
    .min(1)
    .default([...OPS])
    .describe('Operations that match: c insert, u update, d delete, r snapshot read, t truncate (all by default).'),
  where: conditionSchema
    .optional()
    .describe('A condition on the row that must also hold: { column, operator, value } or all / any / not of conditions.'),
  action: z.enum(['keep', 'drop']).default('keep').describe('keep: only matching records go on; drop: matching records are dropped, the others go on.'),
  tombstones: z
    .enum(['keep', 'drop'])
    .default('keep')
    .describe('What happens to tombstones (a delete’s null value, which has no op and no row): kept or dropped, whatever the condition.'),
  ...scopeShape,
});
export type FilterConfig = z.output<typeof filterConfigSchema>;

function warnUnknownColumns(valueSchema: AvroSchema, record: TransformRecord, columns: readonly string[], logger: Logger): true {
  const known = new Set(rowSchemaParts(valueSchema, 'filter').row.fields.map((f) => f.name));
  const unknown = [...new Set(columns)].filter((c) => !known.has(c));
  if (unknown.length > 0) {
    logger.warn({ topic: record.topic, columns: unknown }, 'filter: the condition names columns this table does not have; they read as null');
  }
  return true;
}

/**
 * Keeps (or drops) the records whose op is listed and whose row satisfies the condition
 * (Kafka Connect's Filter with a predicate). Records outside the scope always go on.
 */
export const filterTransform: TransformPlugin<typeof filterConfigSchema> = {
  name: 'filter',
  version: TRANSFORMS_VERSION,
  kind: 'transform',
  description: 'Keeps or drops change records by operation and a typed condition on the before / after row.',
  configSchema: filterConfigSchema,
  create(config, ctx) {
    const scope = new Scope(config);
    const ops = new Set<string>(config.ops);
    const where: Predicate = config.where ? compileCondition(config.where) : () => true;
    const keep = config.action === 'keep';
    const columns = config.where ? conditionColumns(config.where) : [];
    const checked = new SchemaCache((schema, record: TransformRecord) => warnUnknownColumns(schema, record, columns, ctx.logger));
    return {
      apply<R extends TransformRecord>(record: R): R | null {
        if (!scope.covers(record)) return record;
        if (record.value === null || record.value === undefined) return config.tombstones === 'keep' ? record : null;
        const change = asChangeValue(record.value, 'filter');
        if (columns.length > 0 && record.valueSchema) checked.get(record.valueSchema, record);
        const matches = ops.has(change.op) && where(change);
        return matches === keep ? record : null;
      },
    };
  },
};

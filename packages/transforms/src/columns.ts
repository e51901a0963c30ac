import type { TransformPlugin } from '@buyonline/connect-api';
import { z } from 'zod';
import type { Row } from './change-value.ts';
import { columnList } from './config-parts.ts';
import { editRowFields, rowSchemaParts } from './row-schema.ts';
import { rowTransform } from './row-transform.ts';
import { Scope, scopeShape } from './scope.ts';
import { TRANSFORMS_VERSION } from './version.ts';

export const columnsConfigSchema = z
  .object({
    keep: columnList('keep')
      .optional()
      .describe('Keep only these columns in the before and after rows (and the row schema); every other column is removed.'),
    drop: columnList('drop').optional().describe('Remove these columns from the before and after rows (and the row schema).'),
    ...scopeShape,
  })
  .refine((c) => (c.keep === undefined) !== (c.drop === undefined), { error: 'give either `keep` or `drop` (one list of columns, not both)' });
export type ColumnsConfig = z.output<typeof columnsConfigSchema>;

/**
 * Keeps or drops columns of the row (Kafka Connect's ReplaceField include/exclude). The record
 * key is a record of its own and is not touched: dropping a key column from the value is allowed,
 * the key still carries it.
 */
export const columnsTransform: TransformPlugin<typeof columnsConfigSchema> = {
  name: 'columns',
  version: TRANSFORMS_VERSION,
  kind: 'transform',
  description: 'Keeps or drops columns of the before and after rows and of the row schema; the key is not touched.',
  configSchema: columnsConfigSchema,
  create(config) {
    const keep = config.keep ? new Set(config.keep) : undefined;
    const drop = new Set(config.drop ?? []);
    const stays = keep ? (name: string) => keep.has(name) : (name: string) => !drop.has(name);
    return rowTransform({
      name: 'columns',
      scope: new Scope(config),
      schema: (valueSchema) => editRowFields(rowSchemaParts(valueSchema, 'columns'), (fields) => fields.filter((f) => stays(f.name))),
      row(row) {
        const out: Row = {};
        for (const name in row) if (stays(name)) out[name] = row[name];
        return out;
      },
      columnNames: (names) => names.filter(stays),
    });
  },
};

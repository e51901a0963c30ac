import { type AvroSchema, ConfigError, type TransformPlugin } from '@buyonline/connect-api';
import { PG_PROPERTIES } from '@buyonline/schemas';
import { z } from 'zod';
import type { Row } from './change-value.ts';
import { columnName } from './config-parts.ts';
import { type AvroField, editRowFields, rowSchemaParts } from './row-schema.ts';
import { rowTransform } from './row-transform.ts';
import { Scope, scopeShape } from './scope.ts';
import { TRANSFORMS_VERSION } from './version.ts';

export const renameConfigSchema = z
  .object({
    fields: z
      .record(columnName, columnName)
      .refine((map) => Object.keys(map).length > 0, { error: 'map at least one column to its new name' })
      .refine((map) => new Set(Object.values(map)).size === Object.values(map).length, { error: 'two columns are renamed to the same name' })
      .describe('Old column name → new name (an Avro name: letters, digits and _), e.g. { email: email_address }.'),
    ...scopeShape,
  });
export type RenameConfig = z.output<typeof renameConfigSchema>;

/** A renamed column collides with a column that keeps its name. */
function collision(names: Iterable<string>, renames: ReadonlyMap<string, string>): string | undefined {
  const kept = new Set<string>();
  for (const name of names) if (!renames.has(name)) kept.add(name);
  for (const [from, to] of renames) if (kept.has(to)) return `rename: ${from} → ${to} collides with the column ${to} of the table; rename or drop that one too`;
  return undefined;
}

/** The field property in which a source keeps a column's original name when its Avro name differs. */
const ORIGINAL_NAME = PG_PROPERTIES.name;

function renamedSchema(valueSchema: AvroSchema, renames: ReadonlyMap<string, string>): AvroSchema {
  const parts = rowSchemaParts(valueSchema, 'rename');
  const problem = collision(
    parts.row.fields.map((f) => f.name),
    renames,
  );
  if (problem) throw new ConfigError(problem);
  return editRowFields(parts, (fields) =>
    fields.map((f): AvroField => {
      const to = renames.get(f.name);
      if (to === undefined) return f;
      // The old name as an alias: a reader with the new schema still resolves data written with the old one.
      // The source's original column name goes: sinks name the column by the new name (docs/naming.md).
      const { [ORIGINAL_NAME]: _original, ...field } = f;
      return { ...field, name: to, aliases: [...new Set([...(f.aliases ?? []), f.name])] };
    }),
  );
}

/**
 * Renames columns of the row and of the row schema (Kafka Connect's ReplaceField renames). The
 * record key is not touched: a renamed key column keeps its old name in the key.
 */
export const renameTransform: TransformPlugin<typeof renameConfigSchema> = {
  name: 'rename',
  version: TRANSFORMS_VERSION,
  kind: 'transform',
  description: 'Renames columns of the before and after rows and of the row schema; the key is not touched.',
  configSchema: renameConfigSchema,
  create(config) {
    const renames = new Map(Object.entries(config.fields));
    const targets = [...renames.values()];
    return rowTransform({
      name: 'rename',
      scope: new Scope(config),
      schema: (valueSchema) => renamedSchema(valueSchema, renames),
      row(row) {
        // Only a row that has a target name already can collide: checked without building a set.
        if (targets.some((to) => to in row)) {
          const problem = collision(Object.keys(row), renames);
          if (problem) throw new ConfigError(problem);
        }
        const out: Row = {};
        for (const name in row) out[renames.get(name) ?? name] = row[name];
        return out;
      },
      columnNames: (names) => names.map((name) => renames.get(name) ?? name),
    });
  },
};

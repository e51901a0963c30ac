import { createHash, createHmac } from 'node:crypto';
import { type AvroSchema, type Logger, type Redacted, redactedString, type TransformPlugin, type TransformRecord } from '@buyonline/connect-api';
import { z } from 'zod';
import type { Row } from './change-value.ts';
import { columnList } from './config-parts.ts';
import { type AvroField, editRowFields, rowSchemaParts } from './row-schema.ts';
import { rowTransform } from './row-transform.ts';
import { Scope, scopeShape } from './scope.ts';
import { TRANSFORMS_VERSION } from './version.ts';

export const maskConfigSchema = z
  .object({
    columns: columnList('mask').describe('Columns whose values are masked in the before and after rows.'),
    method: z
      .enum(['hash', 'redact'])
      .default('hash')
      .describe('hash: the SHA-256 of the value, lower-case hex (HMAC-SHA-256 keyed by `salt` when one is given); redact: `replacement` instead of the value.'),
    salt: redactedString
      .optional()
      .describe('Secret key of the hash (HMAC-SHA-256): without it, a hash of a guessable value (an e-mail address) can be looked up. A secret, never logged.'),
    replacement: z.string().default('****').describe('What a redacted value becomes.'),
    ...scopeShape,
  })
  .refine((c) => c.method === 'hash' || c.salt === undefined, { error: '`salt` is only used with method: hash', path: ['salt'] });
export type MaskConfig = z.output<typeof maskConfigSchema>;

const MASKED_TYPE = ['null', 'string'] as const;

/** The text a value is hashed as: strings as they are, bytes as bytes, numbers and booleans as printed, arrays as JSON. */
function hashInput(value: unknown): string | Uint8Array {
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return arrayJson(value);
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** An array as JSON, bytes as hex; an int64 beyond 2^53 (a bigint, which JSON.stringify refuses) as its digits, as a stage line writes it. */
function arrayJson(items: unknown[]): string {
  const texts = items.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
  if (!texts.some((v) => typeof v === 'bigint' || Array.isArray(v))) return JSON.stringify(texts);
  return `[${texts.map((v) => (typeof v === 'bigint' ? v.toString() : Array.isArray(v) ? arrayJson(v) : (JSON.stringify(v) ?? 'null'))).join(',')}]`;
}

function masker(method: MaskConfig['method'], salt: Redacted | undefined, replacement: string): (value: unknown) => string {
  if (method === 'redact') return () => replacement;
  const key = salt?.reveal();
  return key === undefined
    ? (value) => createHash('sha256').update(hashInput(value)).digest('hex')
    : (value) => createHmac('sha256', key).update(hashInput(value)).digest('hex');
}

function keyColumns(record: TransformRecord): string[] {
  const fields = (record.keySchema as { fields?: unknown } | null | undefined)?.fields;
  return Array.isArray(fields) ? fields.map((f: { name?: unknown }) => String(f.name)) : [];
}

function maskedSchema(valueSchema: AvroSchema, record: TransformRecord, columns: ReadonlySet<string>, logger: Logger): AvroSchema {
  const inKey = keyColumns(record).filter((name) => columns.has(name));
  if (inKey.length > 0) {
    logger.warn(
      { topic: record.topic, columns: inKey },
      'mask: masked columns are part of the record key, which is not masked: the key still carries their values in clear',
    );
  }
  return editRowFields(rowSchemaParts(valueSchema, 'mask'), (fields) =>
    fields.map((f): AvroField => (columns.has(f.name) ? { ...f, type: [...MASKED_TYPE], default: null } : f)),
  );
}

/**
 * Masks columns: each non-null value becomes its hash or a fixed replacement (null stays null),
 * and the column's schema type becomes ['null', 'string']. The record key is not masked (a
 * warning is logged when a masked column is in it).
 */
export const maskTransform: TransformPlugin<typeof maskConfigSchema> = {
  name: 'mask',
  version: TRANSFORMS_VERSION,
  kind: 'transform',
  description: 'Hashes (SHA-256, optionally keyed) or redacts columns of the before and after rows; a masked column becomes a nullable string.',
  configSchema: maskConfigSchema,
  create(config, ctx) {
    const columns = new Set(config.columns);
    const list = [...columns];
    const mask = masker(config.method, config.salt, config.replacement);
    return rowTransform({
      name: 'mask',
      scope: new Scope(config),
      schema: (valueSchema, record) => maskedSchema(valueSchema, record, columns, ctx.logger),
      row(row) {
        const out: Row = { ...row };
        for (const name of list) {
          const value = row[name];
          if (value !== null && value !== undefined) out[name] = mask(value);
        }
        return out;
      },
    });
  },
};

/** Plugins for this package's tests only (shaped like the real ones: a table list, a stage switch, a mask). */
import { redactedString, type SinkPlugin, type SourcePlugin, type TransformPlugin } from '@buyonline/connect-api';
import { z } from 'zod';

const table = z.string().regex(/^[a-z_]+\.[a-z_]+$/, 'expected <schema>.<table>, e.g. public.products');
const tableList = z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v), z.array(table));

export const pgLikeSchema = z
  .object({
    mode: z.enum(['logical', 'polling']).default('logical').describe('How changes are captured.'),
    url: redactedString.describe('Connection URL; a secret.'),
    tables: tableList.default([]).describe('Captured tables, <schema>.<table>.'),
    tableRegex: z.string().optional().describe('Also capture the tables matching this.'),
    topicTemplate: z.string().min(1).default('{prefix}.{schema}.{table}').describe('Topic of each table.'),
    slot: z.string().regex(/^[a-z0-9_]+$/, 'lower-case letters, digits and _ only').default('buyonline_cdc').describe('Replication slot.'),
    batchSize: z.coerce.number().int().positive().default(2000).describe('Rows per poll.'),
    columns: z.array(z.object({ name: z.string(), type: z.string() })).default([]).describe('Columns (nested objects, for unknown-key paths).'),
  })
  .refine((c) => c.tables.length > 0 || c.tableRegex !== undefined, { error: 'no table to capture', path: ['tables'] });

export const pgLikePlugin: SourcePlugin<typeof pgLikeSchema> = {
  name: 'postgres',
  version: '0.0.1',
  kind: 'source',
  description: 'test source',
  configSchema: pgLikeSchema,
  create: () => ({ start: async () => undefined, poll: async () => [], commit: async () => undefined, stop: async () => undefined }),
};

export const localStageLikeSchema = z.object({
  dir: z.string().min(1).default('./.stage').describe('Root directory of the stage.'),
  flushRecords: z.coerce.number().int().positive().default(5000).describe('Rotate after this many records.'),
});

export const stageLikeSchema = z
  .object({
    account: z.string().min(1).describe('Account identifier.'),
    password: redactedString.optional().describe('Password.'),
    privateKey: redactedString.optional().describe('PEM private key.'),
    dir: z.string().min(1).default('./.stage').describe('Local spool.'),
  })
  .refine((c) => c.password !== undefined || c.privateKey !== undefined, { message: 'set a password or a private key', path: ['password'] });

const sinkTask = () => ({
  start: async () => undefined,
  open: async () => [],
  put: async () => undefined,
  tick: async () => undefined,
  flush: async () => undefined,
  preCommit: () => [],
  close: async () => undefined,
  lost: async () => undefined,
  stop: async () => undefined,
});

export const localStageLikePlugin: SinkPlugin<typeof localStageLikeSchema> = {
  name: 'local-stage',
  version: '0.0.1',
  kind: 'sink',
  description: 'test local stage',
  configSchema: localStageLikeSchema,
  create: sinkTask,
};

export const cloudStageLikePlugin: SinkPlugin<typeof stageLikeSchema> = {
  name: 'cloud-stage',
  version: '0.0.1',
  kind: 'sink',
  description: 'test cloud stage',
  configSchema: stageLikeSchema,
  create: sinkTask,
};

export const maskLikeSchema = z.object({
  columns: z.array(z.string().min(1)).min(1, 'name at least one column').describe('Columns to mask.'),
  method: z.enum(['hash', 'redact']).default('redact').describe('hash or redact.'),
});

export const maskLikePlugin: TransformPlugin<typeof maskLikeSchema> = {
  name: 'mask',
  version: '0.0.1',
  kind: 'transform',
  description: 'test mask',
  configSchema: maskLikeSchema,
  create: (config) => ({
    apply: (record) => {
      const value = record.value as { after?: Record<string, unknown> } | null;
      if (!value?.after) return record;
      const after = { ...value.after };
      for (const column of config.columns) if (column in after) after[column] = '***';
      return { ...record, value: { ...value, after } };
    },
  }),
};

import { z } from 'zod';

export const stageSinkConfigSchema = z.object({
  stage: z.enum(['local']).default('local').describe('Where files go: a local directory (Snowflake comes with its own backend).'),
  dir: z.string().min(1).default('./.stage').describe('Root directory of the local stage.'),
  flushRecords: z.coerce.number().int().positive().default(5000).describe('Rotate a file after this many records.'),
  flushBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024)
    .describe('Rotate a file once its content reaches this many bytes.'),
  rotateIntervalMs: z.coerce
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('Rotate a file this long after its first record, also when the partition goes idle.'),
});
export type StageSinkConfig = z.output<typeof stageSinkConfigSchema>;

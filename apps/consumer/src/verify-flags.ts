import { z } from 'zod';

/** The verify command's own flags: one schema, the parser and the help text (the stream's verify loop reads the same as VERIFY_*). */
export const verifyFlagsSchema = z.object({
  rangeKeys: z.coerce.number().int().positive().default(1000).describe('keys per range: each range is hashed on both sides, rows compared only where the hashes differ'),
  rowsPerSecond: z.coerce.number().positive().optional().describe('PostgreSQL rows read per second at most (default: no limit)'),
  repair: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', 'TRUE', 'FALSE'])])
    .transform((v) => v === true || v === 'true' || v === 'TRUE' || v === '1' || v === 'yes')
    .default(false)
    .describe('ask the capture for an incremental snapshot of each mismatched range, then verify again'),
  waitSeconds: z.coerce.number().positive().default(120).describe('how long the slot and the consumer group may take to reach the point'),
});

export type VerifyFlags = z.output<typeof verifyFlagsSchema>;

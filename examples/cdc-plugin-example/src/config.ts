import { z } from 'zod';

/** The plugin's one schema: it validates the pipeline file's `source:` section and documents each key. */
export const counterSourceConfigSchema = z.object({
  counter: z
    .string()
    .regex(/^[a-z0-9_-]{1,63}$/, 'lower-case letters, digits, _ and - only')
    .default('counter')
    .describe('Name of this counter: its position is stored under it, so two counters count apart.'),
  topic: z.string().min(1).default('acme.counter').describe('Topic the numbers go to.'),
  intervalMs: z.coerce.number().int().positive().default(1000).describe('Wait between two polls.'),
  batchSize: z.coerce.number().int().positive().max(10_000).default(1).describe('Numbers per poll (and per Kafka transaction).'),
  limit: z.coerce.number().int().nonnegative().optional().describe('Stop counting after this many numbers (the task then idles).'),
});
export type CounterSourceConfig = z.output<typeof counterSourceConfigSchema>;

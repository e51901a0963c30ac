import { redactedString } from '@buyonline/kafka-common';
import { z } from 'zod';

const qualifiedTable = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$/, 'expected <schema>.<table>, e.g. public.products')
  .transform((s) => {
    const [schema = '', table = ''] = s.split('.');
    return { schema, table };
  });

export const postgresSourceConfigSchema = z.object({
  mode: z.enum(['polling']).default('polling').describe('How changes are captured: polling by transaction horizon.'),
  url: redactedString.describe('PostgreSQL connection URL (postgres://user:password@host:port/db); a secret.'),
  table: qualifiedTable.default({ schema: 'public', table: 'products' }).describe('The captured table, <schema>.<table>.'),
  topic: z.string().min(1).default('buyonline.public.products').describe('Kafka topic the changes go to.'),
  batchSize: z.coerce.number().int().positive().max(100_000).default(2000).describe('Rows per poll (and per Kafka transaction).'),
  pollIntervalMs: z.coerce.number().int().positive().default(500).describe('Wait between polls when nothing changed.'),
});
export type PostgresSourceConfig = z.output<typeof postgresSourceConfigSchema>;

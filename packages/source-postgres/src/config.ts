import { redactedString } from '@buyonline/connect-api';
import { z } from 'zod';

const qualifiedTable = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$/, 'expected <schema>.<table>, e.g. public.products')
  .transform((s) => {
    const [schema = '', table = ''] = s.split('.');
    return { schema, table };
  });

/** A replication slot or publication name: what PostgreSQL takes unquoted, so it reads the same everywhere. */
const plainName = (what: string) => z.string().regex(/^[a-z0-9_]{1,63}$/, `lower-case letters, digits and _ only, 1 to 63 of them (${what})`);

export const postgresSourceConfigSchema = z.object({
  mode: z
    .enum(['logical', 'polling'])
    .default('logical')
    .describe('How changes are captured: logical replication (pgoutput; sees deletes) or polling by transaction horizon.'),
  url: redactedString.describe('PostgreSQL connection URL (postgres://user:password@host:port/db); a secret.'),
  table: qualifiedTable.default({ schema: 'public', table: 'products' }).describe('The captured table, <schema>.<table>.'),
  topic: z.string().min(1).default('buyonline.public.products').describe('Kafka topic the changes go to.'),
  batchSize: z.coerce.number().int().positive().max(100_000).default(2000).describe('Rows per poll (and per Kafka transaction).'),
  pollIntervalMs: z.coerce.number().int().positive().default(500).describe('Wait between polls when nothing changed.'),
  slot: plainName('a replication slot name')
    .default('buyonline_products')
    .describe('Logical replication slot (durable; created when missing).'),
  publication: plainName('a publication name').default('buyonline_products').describe('Publication of the captured table (created when missing).'),
  snapshotChunkSize: z.coerce.number().int().positive().default(5000).describe('Rows per primary-key chunk of the initial snapshot.'),
  heartbeatIntervalMs: z.coerce
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('When the table is idle, write a WAL message this often so the slot keeps advancing.'),
  slotLagWarnBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024)
    .describe('Log a warning when the slot holds back more WAL than this.'),
  slotCheckIntervalMs: z.coerce.number().int().positive().default(10_000).describe('How often slot lag and health are checked.'),
  replicaIdentity: z
    .enum(['warn', 'require-full'])
    .default('warn')
    .describe(
      'A captured table without REPLICA IDENTITY FULL loses before-images of updates and deletes (only the key) and unchanged TOASTed values (left out of the record): warn at start, or refuse to start.',
    ),
  excludeColumns: z
    .array(z.string())
    .default(['cdc_txid', 'cdc_version'])
    .describe('Columns left out of the records (the polling mode’s bookkeeping columns).'),
});
export type PostgresSourceConfig = z.output<typeof postgresSourceConfigSchema>;

import { redactedString } from '@buyonline/connect-api';
import { z } from 'zod';
import { CDC_TXID, CDC_VERSION } from './polling/cdc-objects.ts';

/** One part of `<schema>.<table>`: unquoted (taken as written) or quoted as in SQL (`"My ""odd"" . name"`: any character, `""` for a quote). */
const IDENTIFIER = '(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")';
const QUALIFIED = new RegExp(`^(${IDENTIFIER})\\.(${IDENTIFIER})$`);
const unquote = (part: string) => (part.startsWith('"') ? part.slice(1, -1).replaceAll('""', '"') : part);

/** `<schema>.<table>`, as PostgreSQL names it: `public.products`, or with quoted parts `"Odd . Schema"."Odd ""Table"""`. */
export const qualifiedTable = z
  .string()
  .regex(QUALIFIED, 'expected <schema>.<table>, e.g. public.products')
  .transform((s) => {
    const [, schema = '', table = ''] = QUALIFIED.exec(s) ?? [];
    return { schema: unquote(schema), table: unquote(table) };
  });

/** A comma-separated list, commas inside quoted names left alone. */
function splitTables(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** A list of tables: an array, or (from an environment variable) a comma-separated string. */
const tableList = z.preprocess((v) => (typeof v === 'string' ? splitTables(v) : v), z.array(qualifiedTable));

const regex = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'not a valid regular expression' },
);

/** A replication slot or publication name: what PostgreSQL takes unquoted, so it reads the same everywhere. */
const plainName = (what: string) => z.string().regex(/^[a-z0-9_]{1,63}$/, `lower-case letters, digits and _ only, 1 to 63 of them (${what})`);

/** A boolean that also reads "true"/"false"/"1"/"0"/"yes"/"no" (environment variables). */
const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', 'TRUE', 'FALSE'])])
  .transform((v) => v === true || v === 'true' || v === 'TRUE' || v === '1' || v === 'yes');

export const postgresSourceConfigSchema = z
  .object({
    mode: z
      .enum(['logical', 'polling'])
      .default('logical')
      .describe('How changes are captured: logical replication (pgoutput; sees deletes) or polling by transaction horizon.'),
    url: redactedString.describe('PostgreSQL connection URL (postgres://user:password@host:port/db); a secret.'),
    tables: tableList
      .default([])
      .describe('Captured tables, <schema>.<table> (comma-separated in an environment variable). With `tableRegex`, both are captured.'),
    tableRegex: regex
      .optional()
      .describe('Also capture every table whose <schema>.<table> matches this regular expression (anchored), e.g. ^shop\\..*; resolved at start.'),
    excludeTables: tableList.default([]).describe('Tables never captured, even when listed or matched.'),
    topicPrefix: z.string().min(1).default('buyonline').describe('First part of topic names and Avro namespaces.'),
    topicTemplate: z
      .string()
      .min(1)
      .default('{prefix}.{schema}.{table}')
      .describe('Topic of each table: {prefix}, {schema} and {table} are replaced; a name without {table} is allowed for one table only.'),
    batchSize: z.coerce.number().int().positive().max(100_000).default(2000).describe('Rows per poll (and per Kafka transaction).'),
    batchBytes: z.coerce
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024)
      .describe(
        'Bytes per poll, as well as batchSize rows (the text of the values: wide rows fill it sooner; a polled table\'s page is sized by its widest row of the last page); the change queue between the replication stream and the polls holds up to four polls\' worth.',
      ),
    pollIntervalMs: z.coerce.number().int().positive().default(500).describe('Wait between polls when nothing changed.'),
    slot: plainName('a replication slot name').default('buyonline_products').describe('Logical replication slot (durable; created when missing). One slot serves every table.'),
    publication: plainName('a publication name')
      .default('buyonline_products')
      .describe('Publication of the captured tables (created when missing; captured tables are added to it, published via the partition root).'),
    snapshotChunkSize: z.coerce.number().int().positive().default(5000).describe('Rows per primary-key chunk of a snapshot.'),
    snapshotChunkBytes: z.coerce
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024)
      .describe(
        'Bytes the snapshot reads at once, shared by its parallel readers (the text of the values): a chunk of wide rows holds fewer than snapshotChunkSize, judged by the widest row of the table\'s last chunk; one more is read ahead.',
      ),
    snapshotParallelism: z.coerce
      .number()
      .int()
      .min(1)
      .max(16)
      .default(2)
      .describe('Tables read at once during the initial snapshot, each on its own connection sharing the exported snapshot.'),
    heartbeatIntervalMs: z.coerce
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('With heartbeat=write: when the captured tables are idle, write a WAL message this often.'),
    heartbeat: z
      .enum(['keepalive', 'write'])
      .default('keepalive')
      .describe(
        'How an idle slot keeps advancing while other tables write: keepalive confirms the server\'s keepalive position when nothing captured is pending (writes nothing; works on a standby and for a role without write rights); write also writes a pg_logical_emit_message heartbeat every heartbeatIntervalMs (not on a standby).',
      ),
    slotLagWarnBytes: z.coerce
      .number()
      .int()
      .positive()
      .default(256 * 1024 * 1024)
      .describe('Log a warning when the slot holds back more WAL than this.'),
    slotCheckIntervalMs: z.coerce.number().int().positive().default(10_000).describe('How often slot lag and health are checked.'),
    streamInProgress: flag
      .default(true)
      .describe(
        "Stream large transactions before they commit (pgoutput protocol 2, streaming 'on'; PostgreSQL 14+, detected): PostgreSQL sends a transaction bigger than logical_decoding_work_mem as it is written instead of spilling it to disk, and it flows into the open Kafka transaction. Off: protocol 1, each transaction at its commit.",
      ),
    streamedTransactionMaxMs: z.coerce
      .number()
      .int()
      .positive()
      .default(60_000)
      .describe(
        'A transaction streamed before its commit keeps the Kafka transaction open, and the transactions committed meanwhile unreadable, until it commits: one open longer than this turns streaming off (protocol 1, the server spills it) for ten times as long. Keep it well under KAFKA_TRANSACTION_TIMEOUT_MS.',
      ),
    logicalDecodingWorkMem: z
      .string()
      .regex(/^[0-9]+(kB|MB|GB)$/, 'a size such as 64kB, 64MB or 1GB')
      .optional()
      .describe('logical_decoding_work_mem of the replication connection (the server\'s setting when unset, 64MB by default): a transaction decoding more than this streams (or spills).'),
    replicaIdentity: z
      .enum(['warn', 'require-full'])
      .default('warn')
      .describe(
        'A captured table without REPLICA IDENTITY FULL loses before-images of updates and deletes (only the key) and unchanged TOASTed values (left out of the record): warn at start, or refuse to start.',
      ),
    timestampColumn: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Polling: the column stamped with the time of each write (timestamp or timestamptz) that dates a polled table\'s records; a table without it, or with this unset, is dated by the time of the poll.',
      ),
    excludeColumns: z
      .array(z.string())
      .default([CDC_TXID, CDC_VERSION])
      .describe('Columns left out of the records of every table (the polling mode’s bookkeeping columns).'),
  })
  .refine((c) => c.tables.length > 0 || c.tableRegex !== undefined, {
    error: 'no table to capture: list some in `tables` or match them with `tableRegex`',
    path: ['tables'],
  });
export type PostgresSourceConfig = z.output<typeof postgresSourceConfigSchema>;

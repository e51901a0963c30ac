import { ConfigError, redactedString } from '@buyonline/connect-api';
import { z } from 'zod';
import { parseTopic2TableMap } from './snowflake/table-naming.ts';

/** `topicA:TABLE_A,topicB:TABLE_B` or an object; a bad entry is an issue naming it. */
const topic2table = z
  .union([z.string(), z.record(z.string(), z.string())])
  .transform((v, ctx) => {
    if (typeof v !== 'string') return v;
    try {
      return parseTopic2TableMap(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof ConfigError ? err.message : String(err) });
      return z.NEVER;
    }
  });

/** A boolean that also reads "true"/"false"/"1"/"0"/"yes"/"no" (environment variables). */
export const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', 'TRUE', 'FALSE'])])
  .transform((v) => v === true || v === 'true' || v === 'TRUE' || v === '1' || v === 'yes');

/** An unquoted Snowflake identifier, or any text to be quoted as is ("My Stage"). */
const identifier = z.string().min(1).max(255);

const rotation = {
  flushRecords: z.coerce.number().int().positive().default(5000).describe('Rotate a file after this many records.'),
  flushBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024)
    .describe('Rotate a file once its content reaches this many bytes.'),
  bufferBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(32 * 1024 * 1024)
    .describe('Bytes buffered across all partitions at most: past it, the partition holding the most is written out as a file before it is full.'),
  rotateIntervalMs: z.coerce
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('Rotate a file this long after its first record, also when the partition goes idle.'),
};

export const localStageConfigSchema = z.object({
  stage: z.literal('local').describe('Files go to a local directory.'),
  dir: z.string().min(1).default('./.stage').describe('Root directory of the local stage.'),
  ...rotation,
});

export const snowflakeStageConfigSchema = z
  .object({
    stage: z.literal('snowflake').describe('Files go to a Snowflake internal stage (PUT), optionally loaded with COPY INTO.'),
    dir: z
      .string()
      .min(1)
      .default('./.stage')
      .describe('Local spool: each file is made durable here first and stays until it is in Snowflake.'),
    account: z.string().min(1).describe('Account identifier, e.g. myorg-myaccount.'),
    username: z.string().min(1).describe('User to log in as.'),
    password: redactedString.optional().describe('Password (or use a private key).'),
    privateKey: redactedString.optional().describe('PEM private key for key-pair (JWT) authentication.'),
    privateKeyPassphrase: redactedString.optional().describe('Passphrase of an encrypted private key.'),
    warehouse: identifier.optional().describe('Warehouse that runs COPY INTO (needed when loading).'),
    database: identifier.describe('Database of the stage and table.'),
    schema: identifier.default('PUBLIC').describe('Schema of the stage and table.'),
    role: identifier.optional().describe('Role to use.'),
    stageName: identifier.default('BUYONLINE_CDC').describe('Internal named stage; "~" is the user stage, "%TABLE" a table stage.'),
    pathPrefix: z
      .string()
      .default('cdc')
      .refine((s) => !s.includes('..') && !/['\\\s]/.test(s), 'no quotes, backslashes, spaces or ".." in the path prefix')
      .describe('Folder inside the stage: files go to <prefix>/<topic>/partition=<p>/.'),
    pathStyle: z
      .enum(['hive', 'plain'])
      .default('hive')
      .describe('Partition folder: "hive" partition=<p>, "plain" <p> (fakesnow needs plain: DuckDB adds a column for key=value folders).'),
    listWholeStage: flag
      .default(false)
      .describe('LIST the whole stage and filter by path (fakesnow cannot LIST a path); otherwise LIST only the partition folder.'),
    load: flag.default(false).describe('COPY INTO the target table after each upload; the offset is committed only after the load.'),
    tableFormat: z
      .enum(['typed', 'variant'])
      .default('typed')
      .describe('typed: one table per topic, a typed column per field plus change metadata (__OP, __SOURCE_*, __KAFKA_*); variant: every topic into targetTable, one VARIANT per line.'),
    topic2table: topic2table
      .default({})
      .describe('Typed tables: topic:TABLE pairs, comma-separated (the Kafka connector\'s snowflake.topic2table.map); other topics get the connector\'s default name.'),
    typedCopy: z
      .enum(['transform', 'via-variant'])
      .default('transform')
      .describe('Typed tables: transform = COPY INTO t (cols) FROM (SELECT $1:f::TYPE … FROM @stage/file); via-variant = COPY into <table>_LANDING (one VARIANT), then INSERT … SELECT (fakesnow cannot transform a JSON COPY).'),
    merge: flag
      .default(false)
      .describe('Typed tables: after each load, MERGE the latest version per key into <table>_CURRENT (deletes and truncates remove rows; older versions never overwrite newer).'),
    targetTable: identifier.optional().describe('Variant format: the table loaded with COPY INTO, one VARIANT column per JSON line (required to load that format).'),
    variantColumn: identifier.default('RECORD').describe('Name of the target table\'s VARIANT column.'),
    claimsTable: identifier
      .default('BUYONLINE_CDC_CLAIMS')
      .describe('Table of the publication chain\'s claims (one VARIANT per claim): the fence that keeps two consumers from delivering overlapping ranges.'),
    createObjects: flag.default(false).describe('Create the database objects (schema, stage, file format, table) if missing.'),
    dryRun: flag.default(false).describe('Print the SQL instead of running it; files stay in the local spool.'),
    accessUrl: z.url().optional().describe('Override the Snowflake URL (an emulator such as fakesnow).'),
    connectAttempts: z.coerce.number().int().positive().default(6).describe('Attempts, with backoff, before a retriable Snowflake error fails the run.'),
    ...rotation,
  })
  .refine((c) => c.password !== undefined || c.privateKey !== undefined, {
    message: 'set a password or a private key',
    path: ['password'],
  })
  .refine((c) => !(c.password !== undefined && c.privateKey !== undefined), {
    message: 'set either a password or a private key, not both',
    path: ['privateKey'],
  })
  .refine((c) => !(c.load && c.tableFormat === 'variant' && c.targetTable === undefined), {
    message: 'required with tableFormat variant and load: the table every line is loaded into',
    path: ['targetTable'],
  })
  .refine((c) => !(c.merge && c.tableFormat !== 'typed'), {
    message: 'merge needs tableFormat typed (a current-state table is keyed by typed columns)',
    path: ['merge'],
  });


const stageUnion = z.discriminatedUnion('stage', [localStageConfigSchema, snowflakeStageConfigSchema]);

/** One schema for the stage sink: `stage` picks the backend ("local" when not given). */
export const stageSinkConfigSchema = z.preprocess(
  (input) => (input && typeof input === 'object' && !('stage' in input) ? { ...input, stage: 'local' } : input),
  stageUnion,
);
export type StageSinkConfig = z.output<typeof stageSinkConfigSchema>;
export type LocalStageConfig = z.output<typeof localStageConfigSchema>;
export type SnowflakeStageConfig = z.output<typeof snowflakeStageConfigSchema>;

import { ConfigError } from '@buyonline/connect-api';
import { parseStageFileName, type StageFileRef, stageFileName } from '../file-naming.ts';

/** The parts of the configuration that shape the SQL (pure: no secrets, no connection). */
export interface SnowflakeSqlTarget {
  database: string;
  schema: string;
  stageName: string;
  pathPrefix: string;
  pathStyle: 'hive' | 'plain';
  /** The variant format's table (no default: the pipeline names it). */
  targetTable?: string | undefined;
  variantColumn: string;
}

/** The variant format's table, or a ConfigError saying it is needed. */
export function variantTable(t: SnowflakeSqlTarget): string {
  if (t.targetTable === undefined) throw new ConfigError('targetTable: the variant table format needs the table its lines are loaded into');
  return t.targetTable;
}

/** A double-quoted identifier, exactly as written (Snowflake folds unquoted names to upper case). */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new ConfigError('an identifier cannot be empty');
  if (name.includes('\0')) throw new ConfigError(`identifier ${JSON.stringify(name)} contains a NUL character`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** A single-quoted SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

export function qualifiedName(database: string, schema: string, name: string): string {
  return [database, schema, name].map(quoteIdent).join('.');
}

/**
 * `@db.schema.stage`, `@~` (user stage) or `@db.schema.%table` (table stage). Names are
 * quoted; a table stage's `%` stays outside the quotes.
 */
export function stageReference(t: Pick<SnowflakeSqlTarget, 'database' | 'schema' | 'stageName'>): string {
  if (t.stageName === '~') return '@~';
  if (t.stageName.startsWith('%')) return `@${quoteIdent(t.database)}.${quoteIdent(t.schema)}.%${quoteIdent(t.stageName.slice(1))}`;
  return `@${qualifiedName(t.database, t.schema, t.stageName)}`;
}

const SAFE_PATH = /^[A-Za-z0-9._=+\-/]*$/;

/** Folder of a partition's files inside the stage, with a trailing slash. */
export function stagePartitionPath(t: Pick<SnowflakeSqlTarget, 'pathPrefix' | 'pathStyle'>, topic: string, partition: number): string {
  const prefix = t.pathPrefix.replace(/^\/+|\/+$/g, '');
  const folder = t.pathStyle === 'hive' ? `partition=${partition}` : String(partition);
  const path = `${prefix ? `${prefix}/` : ''}${topic}/${folder}/`;
  if (!SAFE_PATH.test(path) || path.split('/').includes('..')) {
    throw new ConfigError(`stage path ${JSON.stringify(path)} has characters a stage path cannot carry unquoted`);
  }
  return path;
}

/** A stage location: `@"DB"."SCHEMA"."STAGE"/cdc/topic/partition=0/`. */
export function stageLocation(t: SnowflakeSqlTarget, topic: string, partition: number): string {
  return `${stageReference(t)}/${stagePartitionPath(t, topic, partition)}`;
}

/** The name a file has in the stage after `PUT … AUTO_COMPRESS=TRUE`. */
export function remoteFileName(ref: StageFileRef): string {
  return `${stageFileName(ref)}.gz`;
}

/**
 * Uploads one local file under its deterministic name. OVERWRITE=FALSE: a retried PUT of a
 * name that is already there is skipped by Snowflake (not by every emulator: the stage
 * checks the listing itself before it uploads).
 */
export function putStatement(localPath: string, t: SnowflakeSqlTarget, ref: StageFileRef): string {
  if (!localPath.startsWith('/')) throw new ConfigError(`PUT needs an absolute path, got ${localPath}`);
  if (/['\\\s]/.test(localPath)) throw new ConfigError(`the spool path ${localPath} has quotes, backslashes or spaces`);
  return `PUT 'file://${localPath}' ${stageLocation(t, ref.topic, ref.partition)} AUTO_COMPRESS=TRUE OVERWRITE=FALSE PARALLEL=1`;
}

/** LIST of one partition's folder, or of the whole stage (for servers that cannot LIST a path). */
export function listStatement(t: SnowflakeSqlTarget, topic: string, partition: number, wholeStage: boolean): string {
  return wholeStage ? `LIST ${stageReference(t)}` : `LIST ${stageLocation(t, topic, partition)}`;
}

/**
 * Loads every file of a partition's folder that the table's load history does not hold yet:
 * Snowflake skips files it loaded before (64 days of history), so a retried COPY, or a COPY
 * after a re-delivered PUT of the same name, loads nothing twice. One VARIANT column per line.
 */
export function copyStatement(t: SnowflakeSqlTarget, topic: string, partition: number): string {
  return (
    `COPY INTO ${qualifiedName(t.database, t.schema, variantTable(t))} ` +
    `FROM ${stageLocation(t, topic, partition)} FILE_FORMAT=(TYPE=JSON) ON_ERROR=ABORT_STATEMENT`
  );
}

/**
 * Loads exactly one file (its full path is the location's prefix), so the cost of a load does
 * not grow with the files already in the folder; the load history still makes it idempotent.
 */
export function copyFileStatement(t: SnowflakeSqlTarget, ref: StageFileRef): string {
  return (
    `COPY INTO ${qualifiedName(t.database, t.schema, variantTable(t))} ` +
    `FROM ${stageLocation(t, ref.topic, ref.partition)}${remoteFileName(ref)} FILE_FORMAT=(TYPE=JSON) ON_ERROR=ABORT_STATEMENT`
  );
}

/**
 * One row when the VARIANT table holds any line of a file's offset range (a COPY loads a file
 * whole or not at all): a recovery asks it before loading the chain's last file again, for a
 * table whose load history is gone (a table restored from a clone has the rows, not the history).
 */
export function loadedRangeStatement(t: SnowflakeSqlTarget, ref: StageFileRef): string {
  const v = quoteIdent(t.variantColumn);
  return (
    `SELECT 1 AS "N" FROM ${qualifiedName(t.database, t.schema, variantTable(t))} WHERE ${v}:__kafka.topic::VARCHAR = ${quoteLiteral(ref.topic)} ` +
    `AND ${v}:__kafka.partition::NUMBER = ${ref.partition} AND ${v}:__kafka.offset::NUMBER BETWEEN ${ref.startOffset} AND ${ref.endOffset} LIMIT 1`
  );
}

/** `<prefix>/<folder>/<topic>/<partition folder>/` in the stage. */
function sideLocation(t: SnowflakeSqlTarget, folder: string, topic: string, partition: number): string {
  const prefix = t.pathPrefix.replace(/^\/+|\/+$/g, '');
  return `${stageReference(t)}/${stagePartitionPath({ ...t, pathPrefix: `${prefix ? `${prefix}/` : ''}${folder}` }, topic, partition)}`;
}

/** Where a file whose data COPY refused goes, with its reason beside it: `<prefix>/_errors/<topic>/<partition folder>/`. */
export function errorLocation(t: SnowflakeSqlTarget, topic: string, partition: number): string {
  return sideLocation(t, '_errors', topic, partition);
}

/** Where the claims of a partition's publication chain are uploaded: `<prefix>/_claims/<topic>/<partition folder>/`. */
export function claimLocation(t: SnowflakeSqlTarget, topic: string, partition: number): string {
  return sideLocation(t, '_claims', topic, partition);
}

/** The claims table: one VARIANT row per claim COPY loaded (the load history lets one COPY per claim file load it). */
export function claimsTableStatement(t: SnowflakeSqlTarget, claimsTable: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualifiedName(t.database, t.schema, claimsTable)} ("RECORD" VARIANT)`;
}

export function putClaimStatement(localPath: string, t: SnowflakeSqlTarget, topic: string, partition: number): string {
  if (!localPath.startsWith('/') || /['\\\s]/.test(localPath)) throw new ConfigError(`the claim path ${localPath} must be absolute, without quotes, backslashes or spaces`);
  return `PUT 'file://${localPath}' ${claimLocation(t, topic, partition)} AUTO_COMPRESS=TRUE OVERWRITE=FALSE PARALLEL=1`;
}

export function copyClaimStatement(t: SnowflakeSqlTarget, claimsTable: string, topic: string, partition: number, claimFile: string): string {
  return `COPY INTO ${qualifiedName(t.database, t.schema, claimsTable)} FROM ${claimLocation(t, topic, partition)}${claimFile}.gz FILE_FORMAT=(TYPE=JSON) ON_ERROR=ABORT_STATEMENT`;
}

const claimOf = (topic: string, partition: number) => `"RECORD":topic::VARCHAR = ${quoteLiteral(topic)} AND "RECORD":partition::NUMBER = ${partition}`;

/** The claim loaded for one slot (its owner won the slot). */
export function selectClaimStatement(t: SnowflakeSqlTarget, claimsTable: string, topic: string, partition: number, next: number, attempt: number): string {
  return `SELECT "RECORD" FROM ${qualifiedName(t.database, t.schema, claimsTable)} WHERE ${claimOf(topic, partition)} AND "RECORD":next::NUMBER = ${next} AND "RECORD":attempt::NUMBER = ${attempt}`;
}

/** The last claim of a partition's chain. */
export function selectTailClaimStatement(t: SnowflakeSqlTarget, claimsTable: string, topic: string, partition: number): string {
  return `SELECT "RECORD" FROM ${qualifiedName(t.database, t.schema, claimsTable)} WHERE ${claimOf(topic, partition)} ORDER BY "RECORD":next::NUMBER DESC, "RECORD":attempt::NUMBER DESC LIMIT 1`;
}

/**
 * The last claim of a partition's chain that names a file: the one file that can be claimed and
 * not loaded (reservations of recoveries that failed may follow it).
 */
export function selectLastFileClaimStatement(t: SnowflakeSqlTarget, claimsTable: string, topic: string, partition: number): string {
  return `SELECT "RECORD" FROM ${qualifiedName(t.database, t.schema, claimsTable)} WHERE ${claimOf(topic, partition)} AND "RECORD":file IS NOT NULL ORDER BY "RECORD":next::NUMBER DESC, "RECORD":attempt::NUMBER DESC LIMIT 1`;
}

/** Uploads a local file into the error location of its partition. */
export function putErrorStatement(localPath: string, t: SnowflakeSqlTarget, ref: StageFileRef): string {
  if (!localPath.startsWith('/')) throw new ConfigError(`PUT needs an absolute path, got ${localPath}`);
  if (/['\\\s]/.test(localPath)) throw new ConfigError(`the spool path ${localPath} has quotes, backslashes or spaces`);
  return `PUT 'file://${localPath}' ${errorLocation(t, ref.topic, ref.partition)} AUTO_COMPRESS=TRUE OVERWRITE=TRUE PARALLEL=1`;
}

/**
 * Whether the target table exists (one row, column N). `createObjects` asks before it creates
 * the table: fakesnow's CREATE TABLE IF NOT EXISTS on an existing table wipes its load history.
 */
export function tableExistsStatement(t: SnowflakeSqlTarget): string {
  return (
    `SELECT COUNT(*) AS "N" FROM ${quoteIdent(t.database)}.INFORMATION_SCHEMA.TABLES ` +
    `WHERE TABLE_SCHEMA = ${quoteLiteral(t.schema)} AND TABLE_NAME = ${quoteLiteral(variantTable(t))}`
  );
}

export const DEFAULT_CLAIMS_TABLE = 'BUYONLINE_CDC_CLAIMS';

/** The objects the consumer creates when asked (`createObjects`): idempotent DDL; the tables last (the claims table always). */
export function setupStatements(t: SnowflakeSqlTarget, opts: { load: boolean; claimsTable?: string | undefined }): string[] {
  const out = [
    `CREATE DATABASE IF NOT EXISTS ${quoteIdent(t.database)}`,
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(t.database)}.${quoteIdent(t.schema)}`,
  ];
  if (t.stageName !== '~' && !t.stageName.startsWith('%')) {
    // the stage's own file format: JSON, so a COPY without FILE_FORMAT reads it right too
    out.push(`CREATE STAGE IF NOT EXISTS ${qualifiedName(t.database, t.schema, t.stageName)} FILE_FORMAT=(TYPE=JSON)`);
  }
  if (opts.load || t.stageName.startsWith('%')) {
    const table = t.stageName.startsWith('%') ? t.stageName.slice(1) : variantTable(t);
    out.push(`CREATE TABLE IF NOT EXISTS ${qualifiedName(t.database, t.schema, table)} (${quoteIdent(t.variantColumn)} VARIANT)`);
  }
  out.push(claimsTableStatement(t, opts.claimsTable ?? DEFAULT_CLAIMS_TABLE));
  return out;
}

/** Reads the target table back (the reconciliation rebuilds the latest state per key from it). */
export function selectLoadedStatement(t: SnowflakeSqlTarget): string {
  return `SELECT ${quoteIdent(t.variantColumn)} AS "RECORD" FROM ${qualifiedName(t.database, t.schema, variantTable(t))}`;
}

/**
 * One LIST result row → the stage file it names, when it is one of `topic`/`partition`'s
 * files under the prefix. LIST prints `<stage name in lower case>/<path>` for a named stage
 * and `<path>` for the user stage and table stages.
 */
export function parseListedFile(
  listedName: string,
  t: Pick<SnowflakeSqlTarget, 'pathPrefix' | 'pathStyle' | 'stageName'>,
  topic: string,
  partition: number,
): StageFileRef | undefined {
  const named = t.stageName !== '~' && !t.stageName.startsWith('%');
  const path = named ? listedName.slice(listedName.indexOf('/') + 1) : listedName;
  const slash = path.lastIndexOf('/');
  if (path.slice(0, slash + 1) !== stagePartitionPath(t, topic, partition)) return undefined;
  const base = path.slice(slash + 1);
  if (!base.endsWith('.gz')) return undefined;
  const ref = parseStageFileName(base.slice(0, -'.gz'.length));
  return ref && ref.topic === topic && ref.partition === partition ? ref : undefined;
}

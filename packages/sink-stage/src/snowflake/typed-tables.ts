import type { AvroSchema, Logger } from '@buyonline/connect-api';
import type { StageFileRef } from '../file-naming.ts';
import type { FileSchema } from '../stage-store.ts';
import type { Row, SnowflakeClient } from './client.ts';
import { copyFileStatement, type SnowflakeSqlTarget } from './sql.ts';
import { tableNameForTopic } from './table-naming.ts';
import { columnNameOf, columnsOfSchema, keyColumnsOf, lineKeyOf, RAW_COLUMN, type TypedColumn, tableColumns, typeOfInfoSchemaRow } from './typed-columns.ts';
import {
  addColumnStatement,
  columnsStatement,
  createTypedTableStatement,
  currentTableOf,
  insertFromLandingStatement,
  landingTableOf,
  mergeStatement,
  truncateCurrentStatement,
  typedCopyStatement,
  typedLoadedRangeStatement,
} from './typed-sql.ts';

/** A merge a file's claim records (see TypedTables.mergeState). */
export interface PendingMerge {
  keys?: readonly string[];
  mergeFrom: number;
}

export interface TypedTablesOptions extends SnowflakeSqlTarget {
  topic2table: Readonly<Record<string, string>>;
  merge: boolean;
  /** `transform`: COPY … FROM (SELECT $1:f::T …); `via-variant`: COPY into a landing VARIANT table, then INSERT … SELECT. */
  typedCopy: 'transform' | 'via-variant';
}

/**
 * One typed table per topic (and, with `merge`, its `_CURRENT` table): created from the first
 * file's value schema, given a column for each field a later schema adds (ALTER TABLE … ADD
 * COLUMN, before the file that carries it loads; a dropped field's column stays, NULL in new
 * rows), loaded with the columns the table itself lists (so a file loaded after a restart
 * needs no schema), and merged by the record key's fields.
 */
export class TypedTables {
  /** Per table: its columns as Snowflake lists them (after our DDL). */
  private readonly columns = new Map<string, TypedColumn[]>();
  /** Per table: the value schemas whose fields it has already. */
  private readonly applied = new Map<string, WeakSet<AvroSchema>>();
  /** Per topic: the key's columns (from the records' keys). */
  private readonly keys = new Map<string, string[]>();
  /** Per partition: the first offset not merged yet because the key was not known (a recovery before any record). */
  private readonly unmerged = new Map<string, number>();
  private readonly warnedKeyless = new Set<string>();

  constructor(
    private readonly options: TypedTablesOptions,
    private readonly client: SnowflakeClient,
    private readonly logger: Logger,
  ) {}

  tableOf(topic: string): string {
    return tableNameForTopic(topic, this.options.topic2table);
  }

  /** Creates or widens the topic's tables for the schemas of a file, before the file is spooled. */
  async prepare(topic: string, schema: FileSchema | undefined): Promise<void> {
    const valueSchema = schema?.valueSchemas.at(-1);
    if (schema?.keyFields && schema.keyFields.length > 0 && !this.keys.has(topic)) {
      this.keys.set(topic, valueSchema ? keyColumnsOf(valueSchema, schema.keyFields) : schema.keyFields.map((f) => columnNameOf(lineKeyOf({ name: f }))));
    }
    const table = this.tableOf(topic);
    const targets = [table, ...(this.options.merge ? [currentTableOf(table)] : [])];
    for (const valueSchema of schema?.valueSchemas ?? []) {
      for (const target of targets) {
        const applied = this.applied.get(target) ?? new WeakSet<AvroSchema>();
        this.applied.set(target, applied);
        if (applied.has(valueSchema)) continue;
        await this.widen(target, tableColumns(columnsOfSchema(valueSchema)));
        applied.add(valueSchema);
      }
    }
    if (this.options.typedCopy === 'via-variant') await this.landing(table);
  }

  private async landing(table: string): Promise<void> {
    const landing = landingTableOf(table);
    if (this.columns.has(landing)) return;
    const have = await this.listColumns(landing);
    if (have.length === 0) await this.client.execute(createTypedTableStatement(this.options, landing, [{ name: this.options.variantColumn, type: 'VARIANT' }]));
    this.columns.set(landing, [{ name: this.options.variantColumn, type: 'VARIANT' }]);
  }

  /** CREATE TABLE when missing (fakesnow's CREATE … IF NOT EXISTS on an existing table wipes its load history), else ADD COLUMN for each one it lacks. */
  private async widen(table: string, wanted: readonly TypedColumn[]): Promise<void> {
    const have = this.columns.get(table) ?? (await this.listColumns(table));
    if (have.length === 0) {
      await this.client.execute(createTypedTableStatement(this.options, table, wanted));
      this.logger.info({ table, columns: wanted.length }, 'created a typed table');
      this.columns.set(table, [...wanted]);
      return;
    }
    const names = new Set(have.map((c) => c.name));
    const added = wanted.filter((c) => !names.has(c.name));
    for (const column of added) {
      await this.client.execute(addColumnStatement(this.options, table, column));
      this.logger.info({ table, column: column.name, type: column.type }, 'added a column the schema gained');
    }
    this.columns.set(table, [...have, ...added]);
  }

  private async listColumns(table: string): Promise<TypedColumn[]> {
    if (this.client.dryRun) return this.columns.get(table) ?? [];
    const rows = await this.client.execute(columnsStatement(this.options, table));
    return rows.map((r) => ({ name: String(r.COLUMN_NAME ?? r.column_name), type: typeOfInfoSchemaRow(r) }));
  }

  /** The table's columns; none when it does not exist (yet). */
  private async columnsOf(table: string): Promise<TypedColumn[]> {
    let columns = this.columns.get(table);
    if (!columns) {
      columns = await this.listColumns(table);
      if (columns.length > 0) this.columns.set(table, columns);
    }
    return columns;
  }

  /**
   * Loads one file into its topic's table; returns the COPY's result rows (the caller reads
   * LOADED/skipped/failed from them). A table that does not exist is created before any file of
   * its topic is spooled, so only a file written before typed tables were turned on (a stage the
   * VARIANT format filled) finds none: it is not loaded into one, and that is said.
   */
  async copy(ref: StageFileRef): Promise<Row[]> {
    const table = this.tableOf(ref.topic);
    let columns = await this.columnsOf(table);
    // a table created before `__RAW` existed gets it before a recovered file loads (a value its column cannot hold is kept there)
    if (columns.length > 0 && !columns.some((c) => c.name === RAW_COLUMN)) {
      await this.widen(table, tableColumns([]));
      columns = await this.columnsOf(table);
    }
    if (columns.length === 0 && !this.client.dryRun) {
      this.logger.warn({ table, topic: ref.topic, partition: ref.partition, from: ref.startOffset, to: ref.endOffset }, 'typed table does not exist yet: a file written before typed tables is not loaded into it');
      return [];
    }
    if (this.options.typedCopy === 'transform') return this.client.execute(typedCopyStatement(this.options, table, columns, ref));
    const landing = landingTableOf(table);
    await this.landing(table);
    const rows = await this.client.execute(copyFileStatement({ ...this.options, targetTable: landing }, ref));
    await this.client.execute(insertFromLandingStatement(this.options, table, landing, this.options.variantColumn, columns, ref));
    return rows;
  }

  /** Whether the topic's table holds any row of the file's range already (false when the table does not exist). */
  async holds(ref: StageFileRef): Promise<boolean> {
    const table = this.tableOf(ref.topic);
    if ((await this.columnsOf(table)).length === 0) return false;
    return (await this.client.execute(typedLoadedRangeStatement(this.options, table, ref))).length > 0;
  }

  /**
   * What a file's claim records for its merge, so that a recovery can do it whatever this process
   * kept in memory: the key's columns (when known) and the first offset the merge after this file
   * covers (earlier files whose merge waited for the key). Undefined without `merge`.
   */
  mergeState(ref: StageFileRef): PendingMerge | undefined {
    if (!this.options.merge) return undefined;
    const keys = this.keys.get(ref.topic);
    const from = Math.min(this.unmerged.get(`${ref.topic}:${ref.partition}`) ?? ref.startOffset, ref.startOffset);
    return keys ? { keys, mergeFrom: from } : { mergeFrom: from };
  }

  /**
   * Applies a loaded file to the current table: its truncates, then its keys' latest versions.
   * `claimed` is what the file's claim recorded (a recovery): its key and the first offset not merged.
   */
  async merge(ref: StageFileRef, claimed?: PendingMerge): Promise<void> {
    if (!this.options.merge) return;
    const partitionKey = `${ref.topic}:${ref.partition}`;
    if (claimed?.keys && claimed.keys.length > 0 && !this.keys.has(ref.topic)) this.keys.set(ref.topic, [...claimed.keys]);
    const keys = this.keys.get(ref.topic);
    const from = Math.min(this.unmerged.get(partitionKey) ?? ref.startOffset, claimed?.mergeFrom ?? ref.startOffset, ref.startOffset);
    if (!keys) {
      // Known once a record with a key is seen: a recovered file before any record waits for the next file of its partition.
      this.unmerged.set(partitionKey, from);
      if (!this.warnedKeyless.has(ref.topic)) {
        this.warnedKeyless.add(ref.topic);
        this.logger.info({ topic: ref.topic, from }, 'current table: the key of this topic is not known yet (no keyed record seen); the merge waits for the next file');
      }
      return;
    }
    const range = { ...ref, startOffset: from };
    const table = this.tableOf(ref.topic);
    const current = currentTableOf(table);
    // Both tables widen from the same schemas; a column only the changes table has (merge turned on later) is left out.
    const currentColumns = await this.columnsOf(current);
    if (currentColumns.length === 0) return; // no file of the topic was written with merging on yet (see copy)
    const inCurrent = new Set(currentColumns.map((c) => c.name));
    const columns = (await this.columnsOf(table)).filter((c) => inCurrent.has(c.name));
    await this.client.execute(truncateCurrentStatement(this.options, table, current, range));
    await this.client.execute(mergeStatement(this.options, table, current, columns, keys, range));
    this.unmerged.delete(partitionKey);
  }
}

import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CdcError, DataError, FencedError, type Logger, type Metrics } from '@buyonline/kafka-common';
import { partitionPath, type StageFileRef, stageFileName } from '../file-naming.ts';
import type { LocalStage } from '../local-stage.ts';
import type { StageStore } from '../stage-store.ts';
import type { SnowflakeClient } from './client.ts';
import {
  copyFileStatement,
  errorLocation,
  listStatement,
  parseListedFile,
  putErrorStatement,
  putStatement,
  remoteFileName,
  type SnowflakeSqlTarget,
  setupStatements,
  stageLocation,
  stageReference,
  tableExistsStatement,
} from './sql.ts';

export interface SnowflakeStageOptions extends SnowflakeSqlTarget {
  /** COPY INTO the target table after each upload. */
  load: boolean;
  /** Run `setupStatements` once before the first use. */
  createObjects: boolean;
  /** LIST the whole stage (servers that cannot LIST a path). */
  listWholeStage: boolean;
}

/**
 * A Snowflake internal stage, with a local spool in front of it. A finished file is first
 * made durable in the spool (LocalStage: temp, fsync, link, fsync dir), then uploaded with
 * PUT under its deterministic name, then — when loading — COPY INTO the table (load history:
 * never twice); only then does `write` resolve, so the offset is committed after upload and
 * load. The spool file is removed once it is in Snowflake. On assignment, `recover` reads the
 * stage's listing and the spool: a spooled file not in Snowflake yet is uploaded, not lost.
 */
export class SnowflakeStage implements StageStore {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly options: SnowflakeStageOptions,
    private readonly spool: LocalStage,
    private readonly spoolRoot: string,
    private readonly client: SnowflakeClient,
    private readonly logger: Logger,
    private readonly metrics: Metrics = { count: () => undefined, gauge: () => undefined, observe: () => undefined },
  ) {}

  describe(): string {
    const where = `${stageReference(this.options)}/${this.options.pathPrefix}`;
    return `Snowflake stage ${where}${this.options.load ? ` loaded into ${this.options.targetTable}` : ''}${this.client.dryRun ? ' (dry run)' : ''}, spool ${this.spoolRoot}`;
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      if (!this.options.createObjects) return;
      for (const sql of setupStatements(this.options, { load: this.options.load })) {
        if (sql.startsWith('CREATE TABLE')) {
          const [row] = await this.client.execute(tableExistsStatement(this.options));
          if (Number(row?.N ?? 0) > 0) continue;
        }
        await this.client.execute(sql);
      }
    })().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  /** Files of one partition in the stage itself, sorted by first offset. */
  async list(topic: string, partition: number): Promise<StageFileRef[]> {
    await this.init();
    const rows = await this.client.execute(listStatement(this.options, topic, partition, this.options.listWholeStage));
    const refs = rows
      .map((row) => parseListedFile(String(row.name ?? row.NAME ?? ''), this.options, topic, partition))
      .filter((ref): ref is StageFileRef => ref !== undefined)
      .sort((a, b) => a.startOffset - b.startOffset);
    return refs;
  }

  async recover(topic: string, partition: number): Promise<{ nextOffset?: number; removedTemps: number }> {
    const { removedTemps } = await this.spool.recover(topic, partition);
    const remote = await this.list(topic, partition);
    let remoteEnd = remote.reduce((end, f) => Math.max(end, f.endOffset), -1);
    let delivered = 0;
    // Each writer loads a file before it uploads the next: only the last file of a partition can
    // be uploaded and not loaded (its writer died in between), so that one file is loaded here.
    const last = remote.find((f) => f.endOffset === remoteEnd);
    if (this.options.load && last) await this.load(last);
    for (const ref of await this.spool.list(topic, partition)) {
      const name = stageFileName(ref);
      if (remote.some((r) => stageFileName(r) === name)) {
        // uploaded before a crash, perhaps not loaded: load it (the load history skips it if it was)
        if (this.options.load) await this.load(ref);
        await this.dropSpooled(ref);
        continue;
      }
      if (ref.startOffset <= remoteEnd) {
        // another writer delivered these offsets meanwhile: uploading ours would duplicate them
        this.logger.warn({ file: name, remoteEnd }, 'spooled file overlaps what the stage holds; dropped (its records are re-read)');
        await this.dropSpooled(ref);
        continue;
      }
      await this.put(ref);
      if (this.options.load) await this.load(ref);
      remoteEnd = ref.endOffset;
      delivered++;
    }

    if (!this.client.dryRun) {
      for (const ref of await this.spool.list(topic, partition)) if (ref.endOffset <= remoteEnd) await this.dropSpooled(ref);
    }
    if (delivered > 0) this.logger.info({ topic, partition, delivered }, 'delivered spooled files left by an earlier run');
    return remoteEnd >= 0 ? { nextOffset: remoteEnd + 1, removedTemps } : this.spoolEnd(topic, partition, removedTemps);
  }

  /** In a dry run nothing reaches Snowflake: the spool is what was written. */
  private async spoolEnd(topic: string, partition: number, removedTemps: number): Promise<{ nextOffset?: number; removedTemps: number }> {
    const last = (await this.spool.list(topic, partition)).at(-1);
    return last ? { nextOffset: last.endOffset + 1, removedTemps } : { removedTemps };
  }

  async write(ref: StageFileRef, content: string): Promise<string> {
    await this.init();
    await this.spool.write(ref, content);
    // A zombie after a rebalance must not upload a range the new owner already delivered.
    const clash = (await this.list(ref.topic, ref.partition)).find((f) => f.endOffset >= ref.startOffset);
    if (clash) {
      await this.dropSpooled(ref);
      throw new FencedError(`${remoteFileName(clash)} in the stage already covers offsets from ${ref.startOffset}: another consumer owns ${ref.topic}[${ref.partition}]`);
    }
    await this.put(ref);
    if (this.options.load) await this.load(ref);
    if (!this.client.dryRun) await this.dropSpooled(ref);
    return `${stageLocation(this.options, ref.topic, ref.partition)}${remoteFileName(ref)}`;
  }

  private spoolPath(ref: StageFileRef): string {
    return resolve(join(this.spoolRoot, partitionPath(ref.topic, ref.partition), stageFileName(ref)));
  }

  private async put(ref: StageFileRef): Promise<void> {
    const rows = await this.client.execute(putStatement(this.spoolPath(ref), this.options, ref));
    const failed = rows.find((r) => /ERROR|FAILED/i.test(String(r.status ?? r.STATUS ?? '')));
    if (failed) throw new CdcError('STAGE_IO', `PUT of ${stageFileName(ref)} answered ${JSON.stringify(failed)}`, { retriable: true });
  }

  /**
   * COPY of this one file. A file whose data Snowflake refuses is moved to the error location
   * with its reason, counted, and the partition goes on; a failure of Snowflake itself is thrown.
   */
  private async load(ref: StageFileRef): Promise<void> {
    let rows: Awaited<ReturnType<SnowflakeClient['execute']>>;
    try {
      rows = await this.client.execute(copyFileStatement(this.options, ref));
    } catch (err) {
      if (err instanceof DataError) return this.quarantine(ref, err.message);
      throw err;
    }
    const failed = rows.find((r) => /FAILED|PARTIALLY/i.test(String(r.status ?? r.STATUS ?? '')));
    if (failed) return this.quarantine(ref, `COPY answered ${String(failed.status ?? failed.STATUS)}: ${String(failed.first_error ?? failed.FIRST_ERROR ?? JSON.stringify(failed))}`);
    const loaded = rows.filter((r) => String(r.status ?? r.STATUS ?? '') === 'LOADED').length;
    if (loaded > 0) this.logger.debug({ file: stageFileName(ref), loaded }, 'COPY INTO loaded the file');
  }

  /** The file (from the spool) and a `.error.json` with the reason go to `<prefix>/_errors/…`; the original stays, never loaded. */
  private async quarantine(ref: StageFileRef, reason: string): Promise<void> {
    const name = stageFileName(ref);
    const where = errorLocation(this.options, ref.topic, ref.partition);
    const dir = resolve(join(this.spoolRoot, '.errors'));
    const reasonPath = join(dir, `${name}.error.json`);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(
        reasonPath,
        `${JSON.stringify({ file: `${stageLocation(this.options, ref.topic, ref.partition)}${remoteFileName(ref)}`, topic: ref.topic, partition: ref.partition, startOffset: ref.startOffset, endOffset: ref.endOffset, reason })}\n`,
      );
    } catch (err) {
      throw new CdcError('STAGE_IO', `cannot write the reason file ${reasonPath}`, { cause: err, retriable: true });
    }
    await this.client.execute(putErrorStatement(reasonPath, this.options, ref));
    await unlink(reasonPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw new CdcError('STAGE_IO', `cannot remove ${reasonPath}`, { cause: err, retriable: true });
    });
    // The spool copy is there unless another consumer uploaded the file; then only the reason goes.
    const spooled = (await this.spool.list(ref.topic, ref.partition)).some((f) => stageFileName(f) === name);
    if (spooled) await this.client.execute(putErrorStatement(this.spoolPath(ref), this.options, ref));
    this.metrics.count('snowflake_copy_errors_total');
    this.logger.error({ file: name, errorLocation: where, reason }, 'COPY refused the data of a file: moved to the error location, the partition goes on');
  }

  private async dropSpooled(ref: StageFileRef): Promise<void> {
    if (this.client.dryRun) return;
    await unlink(this.spoolPath(ref)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw new CdcError('STAGE_IO', `cannot remove spooled ${stageFileName(ref)}`, { cause: err, retriable: true });
    });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

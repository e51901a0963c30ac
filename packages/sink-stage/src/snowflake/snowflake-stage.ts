import { unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CdcError, FencedError, type Logger } from '@buyonline/kafka-common';
import { partitionPath, type StageFileRef, stageFileName } from '../file-naming.ts';
import type { LocalStage } from '../local-stage.ts';
import type { StageStore } from '../stage-store.ts';
import type { SnowflakeClient } from './client.ts';
import {
  copyStatement,
  listStatement,
  parseListedFile,
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
    let remoteEnd = remote.at(-1)?.endOffset ?? -1;
    let delivered = 0;
    for (const ref of await this.spool.list(topic, partition)) {
      const name = stageFileName(ref);
      if (remote.some((r) => stageFileName(r) === name)) {
        // uploaded before a crash; the load (if any) is redone below, then the spool copy goes
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
      remoteEnd = ref.endOffset;
      delivered++;
    }
    if (this.options.load) await this.copy(topic, partition);
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
    if (this.options.load) await this.copy(ref.topic, ref.partition);
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

  private async copy(topic: string, partition: number): Promise<void> {
    const rows = await this.client.execute(copyStatement(this.options, topic, partition));
    const failed = rows.find((r) => /FAILED|PARTIALLY/i.test(String(r.status ?? r.STATUS ?? '')));
    if (failed) throw new CdcError('STAGE_IO', `COPY INTO ${this.options.targetTable} failed: ${JSON.stringify(failed)}`);
    const loaded = rows.filter((r) => String(r.status ?? r.STATUS ?? '') === 'LOADED').length;
    if (loaded > 0) this.logger.debug({ topic, partition, loaded }, 'COPY INTO loaded files');
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

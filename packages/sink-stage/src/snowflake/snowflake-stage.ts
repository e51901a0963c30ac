import { randomUUID } from 'node:crypto';
import { mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CdcError, DataError, FencedError, type Logger, type Metrics } from '@buyonline/connect-api';
import { type ChainSlot, parseStageFileName, partitionPath, type StageFileRef, stageFileName } from '../file-naming.ts';
import type { LocalStage } from '../local-stage.ts';
import type { FileSchema, StageFileContent, StageStore } from '../stage-store.ts';
import type { SnowflakeClient } from './client.ts';
import {
  claimsTableStatement,
  copyClaimStatement,
  copyFileStatement,
  DEFAULT_CLAIMS_TABLE,
  errorLocation,
  listStatement,
  loadedRangeStatement,
  parseListedFile,
  putClaimStatement,
  putErrorStatement,
  putStatement,
  remoteFileName,
  type SnowflakeSqlTarget,
  selectClaimStatement,
  selectLastFileClaimStatement,
  selectTailClaimStatement,
  setupStatements,
  stageLocation,
  stageReference,
  tableExistsStatement,
} from './sql.ts';
import { type PendingMerge, TypedTables } from './typed-tables.ts';

export interface SnowflakeStageOptions extends SnowflakeSqlTarget {
  /** COPY INTO the target table after each upload. */
  load: boolean;
  /** Run `setupStatements` once before the first use. */
  createObjects: boolean;
  /** LIST the whole stage (servers that cannot LIST a path). */
  listWholeStage: boolean;
  /** Table of the publication chain's claims (default BUYONLINE_CDC_CLAIMS). */
  claimsTable?: string;
  /** `typed` (default): a table per topic with typed columns (typed-tables.ts); `variant`: every line into targetTable's one VARIANT column. */
  tableFormat?: 'typed' | 'variant';
  /** Typed tables: topic → table name (the rest are named as the Kafka connector names them). */
  topic2table?: Readonly<Record<string, string>>;
  /** Typed tables: how a file is loaded (see TypedTablesOptions). */
  typedCopy?: 'transform' | 'via-variant';
  /** Typed tables: MERGE each load into `<table>_CURRENT`. */
  merge?: boolean;
}

/** One claim of a partition's chain: a file (with its range) or a new owner's reservation. */
interface Claim {
  topic: string;
  partition: number;
  next: number;
  attempt: number;
  owner: string;
  file?: string;
  /** Typed tables with merging: the key's columns, when the writer knew them. */
  keys?: readonly string[];
  /** Typed tables with merging: the first offset the merge after this file's load covers. */
  mergeFrom?: number;
}



/**
 * A Snowflake internal stage, with a local spool in front of it. A finished file is first
 * made durable in the spool (LocalStage: temp, fsync, link, fsync dir), then uploaded with
 * PUT under its deterministic name, claimed in the partition's publication chain (a claim file
 * COPYed into the claims table: one COPY of a name loads it, so one claimant wins each slot),
 * then — when loading — COPY INTO the table (load history: never twice); only then does
 * `write` resolve, so the offset is committed after upload and load. The spool file is removed
 * once it is in Snowflake. On assignment, `recover` reserves the end of the chain (a zombie is
 * fenced at its next file) and delivers spooled files not in Snowflake yet: nothing is lost.
 */
export class SnowflakeStage implements StageStore {
  private ready: Promise<void> | undefined;
  private readonly writerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private sequence = 0;
  /** Per partition: the chain slot this writer's next file claims. */
  private readonly slots = new Map<string, ChainSlot>();
  /** Typed tables (undefined with the VARIANT format). */
  private readonly typed: TypedTables | undefined;

  constructor(
    private readonly options: SnowflakeStageOptions,
    private readonly spool: LocalStage,
    private readonly spoolRoot: string,
    private readonly client: SnowflakeClient,
    private readonly logger: Logger,
    private readonly metrics: Metrics = { count: () => undefined, gauge: () => undefined, observe: () => undefined },
  ) {
    if (options.load && (options.tableFormat ?? 'typed') === 'typed') {
      this.typed = new TypedTables(
        { ...options, topic2table: options.topic2table ?? {}, typedCopy: options.typedCopy ?? 'transform', merge: options.merge ?? false },
        client,
        logger,
      );
    }
  }

  describe(): string {
    const where = `${stageReference(this.options)}/${this.options.pathPrefix}`;
    const into = this.typed ? `typed tables per topic${this.options.merge ? ' merged into <table>_CURRENT' : ''}` : this.options.targetTable;
    return `Snowflake stage ${where}${this.options.load ? ` loaded into ${into}` : ''}${this.client.dryRun ? ' (dry run)' : ''}, spool ${this.spoolRoot}`;
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      if (!this.options.createObjects) return;
      const claims = claimsTableStatement(this.options, this.claimsTable);
      // Typed tables are created from the first file's schema (typed-tables.ts), not here.
      for (const sql of setupStatements(this.options, { load: this.options.load && !this.typed, claimsTable: this.claimsTable })) {
        if (sql.startsWith('CREATE TABLE')) {
          const table = sql === claims ? this.claimsTable : this.options.targetTable;
          const [row] = await this.client.execute(tableExistsStatement({ ...this.options, targetTable: table }));
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

  private get claimsTable(): string {
    return this.options.claimsTable ?? DEFAULT_CLAIMS_TABLE;
  }

  /**
   * The chain's last claim of a partition, as the slot its successor claims and the end offset
   * delivered; undefined when the partition has no claim yet.
   */
  private async tail(topic: string, partition: number): Promise<{ slot: ChainSlot; end: number; file?: StageFileRef } | undefined> {
    const [row] = await this.client.execute(selectTailClaimStatement(this.options, this.claimsTable, topic, partition));
    const claim = row ? parseClaim(row) : undefined;
    if (!claim) return undefined;
    const file = claim.file === undefined ? undefined : parseStageFileName(claim.file);
    if (file) return { slot: { next: file.endOffset + 1, attempt: 0 }, end: file.endOffset, file };
    return { slot: { next: claim.next, attempt: claim.attempt + 1 }, end: claim.next - 1 };
  }

  /**
   * Claims one slot of a partition's chain: PUT of the claim file (its name is the slot), COPY
   * into the claims table (the load history lets one COPY of that name load it, once), then the
   * loaded claim is read back: its owner won the slot, every other claimant lost it.
   */
  private async claim(topic: string, partition: number, slot: ChainSlot, file: string | undefined, pending?: PendingMerge): Promise<boolean> {
    const owner = `${this.writerId}-${this.sequence++}`;
    const claim: Claim = { topic, partition, next: slot.next, attempt: slot.attempt, owner, ...(file === undefined ? {} : { file }), ...pending };
    const dir = resolve(join(this.spoolRoot, '.claims', owner));
    const name = `next+${String(slot.next).padStart(20, '0')}+${slot.attempt}.json`;
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, name), `${JSON.stringify(claim)}\n`);
    } catch (err) {
      throw new CdcError('STAGE_IO', `cannot write the claim ${name}`, { cause: err, retriable: true });
    }
    try {
      await this.client.execute(putClaimStatement(join(dir, name), this.options, topic, partition));
      await this.client.execute(copyClaimStatement(this.options, this.claimsTable, topic, partition, name));
      const rows = await this.client.execute(selectClaimStatement(this.options, this.claimsTable, topic, partition, slot.next, slot.attempt));
      const won = rows.map(parseClaim).find((c) => c !== undefined);
      return won?.owner === owner;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The chain's last file claim, if any: its file, and the merge it records. */
  private async lastFileClaim(topic: string, partition: number): Promise<{ ref: StageFileRef; pending?: PendingMerge } | undefined> {
    const [row] = await this.client.execute(selectLastFileClaimStatement(this.options, this.claimsTable, topic, partition));
    const claim = row ? parseClaim(row) : undefined;
    const ref = claim?.file === undefined ? undefined : parseStageFileName(claim.file);
    if (!claim || !ref) return undefined;
    if (claim.mergeFrom === undefined) return { ref };
    return { ref, pending: claim.keys === undefined ? { mergeFrom: claim.mergeFrom } : { keys: claim.keys, mergeFrom: claim.mergeFrom } };
  }

  /** The slot after the chain's end, from the claims or (a stage written before them) from the listing. */
  private async chainEnd(topic: string, partition: number): Promise<{ slot: ChainSlot; end: number; file?: StageFileRef }> {
    const tail = await this.tail(topic, partition);
    if (tail) return tail;
    const listed = (await this.list(topic, partition)).reduce<StageFileRef | undefined>((a, f) => (a === undefined || f.endOffset > a.endOffset ? f : a), undefined);
    return listed ? { slot: { next: listed.endOffset + 1, attempt: 0 }, end: listed.endOffset, file: listed } : { slot: { next: 0, attempt: 0 }, end: -1 };
  }

  async recover(topic: string, partition: number): Promise<{ nextOffset?: number; removedTemps: number }> {
    const { removedTemps } = await this.spool.recover(topic, partition);
    if (this.client.dryRun) return this.spoolEnd(topic, partition, removedTemps);
    await this.init();
    // Take the chain over: a reservation in the slot after its end. A zombie's next claim finds it taken.
    let end = await this.chainEnd(topic, partition);
    while (!(await this.claim(topic, partition, end.slot, undefined))) end = await this.chainEnd(topic, partition);
    this.slots.set(keyOf(topic, partition), { next: end.slot.next, attempt: end.slot.attempt + 1 });
    // Each writer loads a file before it claims the next: only the chain's last file can be
    // claimed and not loaded (its writer died in between, or its COPY failed), so that one file is
    // loaded here (COPY's load history skips it when it was loaded). Reservations of earlier
    // recoveries that failed before loading it may follow it in the chain: it is looked up past them.
    // Its claim records the merge to do after it (typed tables): the key, and from which offset.
    if (this.options.load) {
      const last = await this.lastFileClaim(topic, partition);
      if (last) await this.load(last.ref, last.pending, true);
      else if (end.file) await this.load(end.file, undefined, true); // a stage written before the claims
    }
    let remoteEnd = end.end;
    let delivered = 0;
    for (const ref of await this.spool.list(topic, partition)) {
      if (ref.startOffset <= remoteEnd) {
        // delivered before a crash, or by another writer meanwhile: uploading it again would duplicate it
        await this.dropSpooled(ref);
        continue;
      }
      await this.deliver(ref);
      remoteEnd = ref.endOffset;
      delivered++;
    }
    if (delivered > 0) this.logger.info({ topic, partition, delivered }, 'delivered spooled files left by an earlier run');
    return remoteEnd >= 0 ? { nextOffset: remoteEnd + 1, removedTemps } : { removedTemps };
  }

  /** In a dry run nothing reaches Snowflake: the spool is what was written. */
  private async spoolEnd(topic: string, partition: number, removedTemps: number): Promise<{ nextOffset?: number; removedTemps: number }> {
    const last = (await this.spool.list(topic, partition)).at(-1);
    return last ? { nextOffset: last.endOffset + 1, removedTemps } : { removedTemps };
  }

  async write(ref: StageFileRef, content: StageFileContent, schema?: FileSchema): Promise<string> {
    await this.init();
    // Before the file is spooled: a file in the spool or the stage always finds its columns (a restart needs no schema).
    if (this.typed) await this.typed.prepare(ref.topic, schema);
    await this.spool.write(ref, content);
    if (this.client.dryRun) {
      await this.put(ref);
      if (this.options.load) await this.load(ref);
    } else {
      await this.deliver(ref);
    }
    return `${stageLocation(this.options, ref.topic, ref.partition)}${remoteFileName(ref)}`;
  }

  /**
   * PUT, then claim the chain's next slot for the file, then COPY. The file counts once its claim
   * is won; a writer that loses it (a zombie: another consumer took the partition over) is fenced,
   * and its upload, never claimed, is never loaded.
   */
  private async deliver(ref: StageFileRef): Promise<void> {
    const key = keyOf(ref.topic, ref.partition);
    // A writer that did not recover the partition joins the chain where it ends now.
    const slot = this.slots.get(key) ?? (await this.chainEnd(ref.topic, ref.partition)).slot;
    if (ref.startOffset < slot.next) {
      await this.dropSpooled(ref);
      throw new FencedError(`the stage already holds offsets up to ${slot.next - 1} of ${ref.topic}[${ref.partition}]: ${stageFileName(ref)} would overlap them`);
    }
    await this.put(ref);
    if (!(await this.claim(ref.topic, ref.partition, slot, stageFileName(ref), this.typed?.mergeState(ref)))) {
      await this.dropSpooled(ref);
      throw new FencedError(`another consumer claimed the file after offset ${slot.next - 1} of ${ref.topic}[${ref.partition}] first: ${stageFileName(ref)} is not delivered`);
    }
    this.slots.set(key, { next: ref.endOffset + 1, attempt: 0 });
    if (this.options.load) await this.load(ref);
    await this.dropSpooled(ref);
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
   * A recovery first checks the table: a file it holds is not COPYed again, whatever the load
   * history says (the history goes with a table, not with a clone of it).
   */
  private async load(ref: StageFileRef, pending?: PendingMerge, recovering = false): Promise<void> {
    let rows: Awaited<ReturnType<SnowflakeClient['execute']>>;
    try {
      if (recovering && (await this.holds(ref))) rows = []; // loaded, though the load history may not say so: the table does
      else rows = this.typed ? await this.typed.copy(ref) : await this.client.execute(copyFileStatement(this.options, ref));
    } catch (err) {
      if (err instanceof DataError) return this.quarantine(ref, err.message);
      throw err;
    }
    const failed = rows.find((r) => /FAILED|PARTIALLY/i.test(String(r.status ?? r.STATUS ?? '')));
    if (failed) return this.quarantine(ref, `COPY answered ${String(failed.status ?? failed.STATUS)}: ${String(failed.first_error ?? failed.FIRST_ERROR ?? JSON.stringify(failed))}`);
    const loaded = rows.filter((r) => String(r.status ?? r.STATUS ?? '') === 'LOADED').length;
    if (loaded > 0) this.logger.debug({ file: stageFileName(ref), loaded }, 'COPY INTO loaded the file');
    // Also after a skipped COPY (a retry or a recovery): the MERGE changes nothing it did before.
    await this.typed?.merge(ref, pending);
  }

  /** Whether the table holds the file's range (a COPY loads a file whole or not at all). */
  private async holds(ref: StageFileRef): Promise<boolean> {
    if (this.typed) return this.typed.holds(ref);
    return (await this.client.execute(loadedRangeStatement(this.options, ref))).length > 0;
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

const keyOf = (topic: string, partition: number) => `${topic}:${partition}`;

/** A claims-table row (`RECORD`, a VARIANT: an object or its JSON text) as a claim. */
function parseClaim(row: Record<string, unknown>): Claim | undefined {
  const raw = row.RECORD ?? row.record;
  const value = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  if (!value || typeof value !== 'object') return undefined;
  const c = value as Partial<Claim>;
  if (typeof c.owner !== 'string' || typeof c.next !== 'number' || typeof c.attempt !== 'number') return undefined;
  return c as Claim;
}

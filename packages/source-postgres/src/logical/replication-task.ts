import {
  ConfigError,
  type OffsetReader,
  type PluginContext,
  type SourcePartition,
  type SourceRecord,
  type SourceTask,
} from '@buyonline/connect-api';
import postgres, { type Sql } from 'postgres';
import type { ChangeMeta } from '../change-records.ts';
import type { PostgresSourceConfig } from '../config.ts';
import { classifyPgError } from '../pg-errors.ts';
import { SESSION } from '../pg-text.ts';
import { quoteIdent } from '../sql-identifiers.ts';
import { checkTopics, resolveTables, type TableRef, tableName, topicFor } from '../tables.ts';
import { checkCapturePrivileges } from './capture-privileges.ts';
import { CapturedTable } from './captured-table.ts';
import { ChunkSizer } from './chunk-sizer.ts';
import { failoverWarnings, readFailoverSetting } from './failover-readiness.ts';
import { IncrementalSnapshots } from './incremental-snapshot.ts';
import { InitialSnapshot } from './initial-snapshot.ts';
import { lsnAfter, normalizeLsn } from './lsn.ts';
import {
  type CapturedTablesOffset,
  capturedTables,
  capturedTablesPartition,
  freshTableOffset,
  isLegacyOffset,
  leftOutOfCapture,
  type StreamOffset,
  streamPartition,
  type TableOffset,
  tablePartition,
} from './offsets.ts';
import { listsSeveralHosts, primaryHostUrl } from './primary-host.ts';
import { TypeCatalog } from './relation-columns.ts';
import {
  checkLogicalReplicationPrerequisites,
  checkReplicaIdentity,
  ensurePublication,
  lostSlotMessage,
  SourcePositionLostError,
  serverVersionNum,
  slotState,
} from './slot-admin.ts';
import { SnapshotKeys } from './snapshot-keys.ts';
import { SnapshotProgress } from './snapshot-progress.ts';
import { readChunk } from './snapshot-reader.ts';
import { SnapshotReaders } from './snapshot-readers.ts';
import { checkStandbyPublication, isStandbySource } from './standby-source.ts';
import { StreamPhase } from './stream-phase.ts';
import { describeColumns, schemaNamesFor } from './table-schema.ts';

/** The partitions a logical capture stores positions under: the slot's stream, its captured tables, and each table's snapshot. */
export function logicalPartitions(db: string, slot: string, tables: readonly TableRef[]): SourcePartition[] {
  return [streamPartition(db, slot), capturedTablesPartition(db, slot), ...tables.map((t) => tablePartition(db, slot, tableName(t)))];
}

/**
 * Log-based capture of many tables over one slot and one publication: the initial snapshot of
 * every table (several at once, sharing the slot's exported snapshot; resumable per table), then
 * the slot's stream, with watermark-based snapshots of tables added later or asked for by a
 * signal. Positions are acknowledged to PostgreSQL only once Kafka has committed them.
 */
export class LogicalReplicationTask implements SourceTask {
  private sql: Sql | undefined;
  private readonly tables = new Map<string, CapturedTable>();
  private stream: StreamOffset = { phase: 'snapshot', lsn: '0/0' };
  private partition: SourcePartition = {};
  private db = '';
  private readonly keys = new SnapshotKeys();
  private readonly types = new TypeCatalog(() => this.sql as Sql);
  private readonly streaming: StreamPhase;
  private readonly incremental: IncrementalSnapshots;
  private readonly progress: SnapshotProgress;
  /** The source is a hot standby: nothing is written (no publication, watermark or heartbeat). */
  private standby = false;
  /** Large transactions stream before they commit (set, PostgreSQL 14+, not on a standby). */
  private streamInProgress = false;
  /** Rows per snapshot chunk, by the configured rows and bytes and each table's width. */
  private readonly chunkSizer: ChunkSizer;
  /** The initial snapshot phase, while it runs (the stream phase starts where it ended). */
  private snapshot: InitialSnapshot | undefined;

  constructor(
    private readonly config: PostgresSourceConfig,
    private readonly ctx: PluginContext,
  ) {
    this.chunkSizer = new ChunkSizer(config.snapshotChunkSize, config.snapshotChunkBytes);
    this.incremental = new IncrementalSnapshots(() => this.sql as Sql, this.chunkSizer, ctx);
    this.progress = new SnapshotProgress(ctx);
    this.streaming = new StreamPhase(config, {
      tables: this.tables,
      incremental: this.incremental,
      types: this.types,
      progress: this.progress,
      sql: () => this.sql as Sql,
      replicationUrl: () => this.replicationUrl(),
      ctx,
    });
  }

  async start(offsets: OffsetReader): Promise<void> {
    this.reset();
    this.sql = postgres(this.config.url.reveal(), {
      max: this.config.snapshotParallelism + 3,
      onnotice: () => undefined,
      connection: { application_name: 'buyonline-producer', ...SESSION },
      connect_timeout: 10,
    });
    const sql = this.sql;
    try {
      await checkLogicalReplicationPrerequisites(sql);
      const serverVersion = await serverVersionNum(sql);
      this.standby = await isStandbySource(sql, serverVersion, this.config.heartbeat);
      this.incremental.readOnly = this.standby;
      // pgoutput streams in-progress transactions from protocol 2, PostgreSQL 14 on. Not on a
      // standby yet: its read-only chunks close Kafka transactions between source transactions.
      this.streamInProgress = this.config.streamInProgress && serverVersion >= 140_000 && !this.standby;
      const refs = await resolveTables(sql, this.config);
      checkTopics(this.config, refs);
      await checkCapturePrivileges(sql, this.config.publication, refs);
      if (this.standby) await checkStandbyPublication(sql, this.config.publication, refs, serverVersion);
      await ensurePublication(sql, this.config.publication, refs);
      const [row] = await sql<{ db: string }[]>`select current_database() as db`;
      this.db = row?.db ?? '';
      this.partition = streamPartition(this.db, this.config.slot);
      const stored = this.storedStream(offsets, refs);
      for (const ref of refs) await this.addTable(sql, ref, offsets, stored);
      const state = await slotState(sql, this.config.slot);
      if (state?.walStatus === 'lost') throw new SourcePositionLostError(lostSlotMessage(this.config.slot, 'was invalidated by PostgreSQL (wal_status = lost)'));
      if (!state && stored) throw new SourcePositionLostError(lostSlotMessage(this.config.slot, `does not exist although a position was stored (LSN ${stored.lsn})`));
      if (!state) await this.beginSnapshot((snapshot) => snapshot.beginExported());
      else if (!stored || stored.phase === 'snapshot') await this.beginSnapshot((snapshot) => snapshot.beginResumed(stored, state.confirmedFlushLsn ?? '0/0'));
      else {
        const captured = offsets.offset(capturedTablesPartition(this.db, this.config.slot));
        this.stream = stored;
        for (const table of this.tables.values()) {
          if (leftOutOfCapture(captured, table.name) && offsets.offset(table.partition) !== undefined) this.recapture(table);
          else if (table.offset.snapshot !== 'done') this.queueIncremental(table);
        }
        // Another set of tables: it is stored before any position past the stored one is confirmed
        // (changes of a table left out are confirmed as empty transactions).
        if (captured?.tables !== capturedTables(this.tables.keys()).tables) this.streaming.handOutFirst([this.capturedTablesPosition()]);
        // Resume from the position stored in Kafka, even when the slot was confirmed less far
        // (the acknowledgement did not reach PostgreSQL before a crash): nothing is produced twice.
        await this.streaming.start({ partition: this.partition, committedLsn: stored.lsn, confirmedLsn: normalizeLsn(state.confirmedFlushLsn ?? '0/0'), streamInProgress: this.streamInProgress });
        await this.streaming.acknowledge(stored.lsn);
      }
      await this.warnIfFailoverWouldLoseTheSlot(sql);
      await this.reportStart(sql);
    } catch (err) {
      throw classifyPgError(err, `slot ${this.config.slot}`);
    }
    this.ctx.logger.info(
      { tables: [...this.tables.keys()], slot: this.config.slot, phase: this.stream.phase, lsn: this.stream.lsn },
      'log-based source started',
    );
  }

  /** When PG_URL lists a standby: what would make a failover lose the slot or hand out changes the standby lacks. */
  private async warnIfFailoverWouldLoseTheSlot(sql: Sql): Promise<void> {
    const url = this.config.url.reveal();
    const setting = await readFailoverSetting(sql, this.config.slot, url, listsSeveralHosts(url), await serverVersionNum(sql));
    for (const warning of failoverWarnings(this.config.slot, setting)) this.ctx.logger.warn({ slot: this.config.slot }, warning);
  }

  /** What `status` shows from the start: each table's phase (and snapshot estimate), the stream's position. */
  private async reportStart(sql: Sql): Promise<void> {
    const snapshotting = [...this.tables.values()].filter((t) => t.offset.snapshot !== 'done');
    for (const table of this.tables.values()) if (table.offset.snapshot === 'done') this.ctx.status?.report('table', table.name, { phase: 'stream' });
    await this.progress.begin(sql, snapshotting, this.stream.phase === 'snapshot' ? 'snapshot' : 'incremental snapshot');
    this.ctx.status?.report('stream', `slot ${this.config.slot}`, { phase: this.stream.phase, position: this.stream.lsn });
  }

  /** The stored stream position; a single-table producer's position (from before one slot served many tables) counts too. */
  private storedStream(offsets: OffsetReader, refs: readonly TableRef[]): StreamOffset | undefined {
    const stored = offsets.offset(this.partition) as StreamOffset | undefined;
    if (stored) return stored;
    for (const ref of refs) {
      const legacy = offsets.offset(tablePartition(this.db, this.config.slot, tableName(ref)));
      if (isLegacyOffset(legacy)) return { phase: legacy.phase, lsn: legacy.lsn };
    }
    return undefined;
  }

  private async addTable(sql: Sql, ref: TableRef, offsets: OffsetReader, stream: StreamOffset | undefined): Promise<void> {
    const name = tableName(ref);
    const columns = await describeColumns(sql, ref.schema, ref.table, { publishedBy: this.config.publication });
    const keyless = !columns.some((c) => c.isKey);
    const warning = await checkReplicaIdentity(sql, ref.schema, ref.table, keyless ? 'require-full' : this.config.replicaIdentity).catch((err: unknown) => {
      if (keyless && err instanceof ConfigError) {
        throw new ConfigError(
          `table ${name} has no primary key: capture it under REPLICA IDENTITY FULL (its records are then keyless: ALTER TABLE ${quoteIdent(ref.schema)}.${quoteIdent(ref.table)} REPLICA IDENTITY FULL), add a primary key, or leave it out (excludeTables)`,
        );
      }
      throw err;
    });
    if (warning) this.ctx.logger.warn({ table: name }, warning);
    const raw = offsets.offset(tablePartition(this.db, this.config.slot, name));
    let offset: TableOffset;
    if (isLegacyOffset(raw)) {
      offset = { snapshot: raw.phase === 'stream' ? 'done' : 'initial', last_key: raw.last_key, segments: raw.segments, segments_until: raw.segments_until };
    } else if (raw) offset = raw as TableOffset;
    else offset = freshTableOffset(stream?.phase === 'stream' ? 'incremental' : 'initial');
    const table = new CapturedTable(
      ref,
      topicFor(this.config, ref),
      {
        ref,
        topic: topicFor(this.config, ref),
        db: this.db,
        slot: this.config.slot,
        names: schemaNamesFor(this.config.topicPrefix, ref.schema, ref.table),
        excludeColumns: this.config.excludeColumns,
        columns,
        keys: this.keys,
        now: () => this.ctx.now(),
      },
      offset,
    );
    this.tables.set(name, table);
  }

  private queueIncremental(table: CapturedTable): void {
    if (table.keys === null) {
      throw new ConfigError(
        `table ${table.name} has no primary key and was added after the initial snapshot (or back after it was left out of the capture): it cannot be snapshotted in chunks while streaming. ` +
          'Give it a primary key, or run `buyonline-producer resnapshot` to snapshot every table afresh',
      );
    }
    if (table.offset.snapshot !== 'incremental') table.offset = freshTableOffset('incremental');
    this.incremental.add(table);
    this.ctx.logger.info({ table: table.name, from: table.offset.last_key }, 'incremental snapshot of a table added to the capture');
  }

  /**
   * A table left out of the capture for a while and now back: its changes meanwhile were never
   * read, deletes included, and a snapshot alone would leave the keys deleted meanwhile in the
   * stage. So a truncate marker just after the stored position says every earlier row of the table is
   * gone, and an incremental snapshot reads it again (its changes stream meanwhile, as for a
   * table added later): downstream ends with the table as it is. Keys absent from the
   * snapshot's chunks not read yet are missing downstream until their chunk comes by.
   */
  private recapture(table: CapturedTable): void {
    table.setOffset(freshTableOffset('incremental'));
    this.queueIncremental(table);
    // Just after the stored position: after every earlier row of the table (snapshot rows carry
    // the position the snapshot ended at, which may be the stored one). A change committed at
    // exactly the stored position then counts as earlier: the snapshot's chunks read its row.
    const lsn = lsnAfter(this.stream.lsn);
    const meta: ChangeMeta = { txid: null, lsn, snapshot: false, tsUs: this.ctx.now() * 1000, position: JSON.stringify({ lsn, phase: 'stream' }) };
    const truncate = table.records.truncate(table.shape, this.stream, meta);
    truncate.sourcePartition = this.partition;
    truncate.inTransaction = true;
    this.streaming.handOutFirst([truncate, table.positionRecord()]);
    this.ctx.logger.warn({ table: table.name, lsn }, 'table back in the capture after it was left out: its earlier rows are marked gone (truncate) and it is snapshotted again');
  }

  /** The server the replication connection goes to: the standby itself, else the writable primary of the URL's hosts. */
  private replicationUrl(): Promise<string> {
    return this.standby ? Promise.resolve(this.config.url.reveal()) : primaryHostUrl(this.config.url.reveal());
  }

  /** The initial snapshot phase, begun at a new slot's exported snapshot or resumed after a restart: it ends where streaming starts. */
  private async beginSnapshot(begin: (snapshot: InitialSnapshot) => Promise<string>): Promise<void> {
    const snapshot = new InitialSnapshot(
      { slot: this.config.slot, snapshotParallelism: this.config.snapshotParallelism, standby: this.standby },
      {
        sql: this.sql as Sql,
        tables: this.tables,
        chunkSizer: this.chunkSizer,
        progress: this.progress,
        replicationUrl: () => this.replicationUrl(),
        openReaders: SnapshotReaders.open,
        readChunk,
        ctx: this.ctx,
      },
    );
    this.snapshot = snapshot;
    this.stream = { phase: 'snapshot', lsn: await begin(snapshot) };
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    if (this.stream.phase === 'snapshot') return this.pollSnapshot();
    return this.streaming.poll(signal);
  }

  private async pollSnapshot(): Promise<SourceRecord[]> {
    const records = await (this.snapshot as InitialSnapshot).poll();
    if (records) return records;
    this.snapshot = undefined;
    return this.finishSnapshot();
  }

  /** Every table is read: streaming starts at the slot's consistent point, and the phase change is stored at once. */
  private async finishSnapshot(): Promise<SourceRecord[]> {
    this.stream = { phase: 'stream', lsn: this.stream.lsn };
    this.ctx.logger.info({ lsn: this.stream.lsn }, 'initial snapshot done; streaming from the slot');
    this.ctx.status?.report('stream', `slot ${this.config.slot}`, { phase: 'stream', position: this.stream.lsn });
    await this.streaming.start({ partition: this.partition, committedLsn: this.stream.lsn, confirmedLsn: this.stream.lsn, streamInProgress: this.streamInProgress });
    return [this.capturedTablesPosition(), this.streamPosition()];
  }

  /** A record that stores which tables the stream is read for from now on. */
  private capturedTablesPosition(): SourceRecord {
    const first = [...this.tables.values()][0] as CapturedTable;
    const offset: CapturedTablesOffset = capturedTables(this.tables.keys());
    return { topic: first.topic, sourcePartition: capturedTablesPartition(this.db, this.config.slot), sourceOffset: offset, keySchema: null, key: null, valueSchema: first.shape.valueSchema, value: null, positionOnly: true };
  }

  private streamPosition(): SourceRecord {
    const first = [...this.tables.values()][0] as CapturedTable;
    return { topic: first.topic, sourcePartition: this.partition, sourceOffset: this.stream, keySchema: null, key: null, valueSchema: first.shape.valueSchema, value: null, positionOnly: true };
  }

  private reset(): void {
    this.streaming.reset();
    this.incremental.reset();
    this.tables.clear();
    this.snapshot = undefined;
  }

  async commit(records: readonly SourceRecord[]): Promise<void> {
    // Kafka has committed these (and everything before them): only now may PostgreSQL forget the WAL behind them.
    if (this.stream.phase !== 'stream') return;
    await this.streaming.commit(records);
  }

  async stop(): Promise<void> {
    await this.streaming.stop();
    await this.snapshot?.close();
    this.snapshot = undefined;
    await this.sql?.end({ timeout: 5 });
    this.sql = undefined;
  }
}

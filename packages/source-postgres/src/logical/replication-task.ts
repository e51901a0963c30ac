import {
  ConfigError,
  ConnectionError,
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
import { listsSeveralHosts, primaryHostUrl } from './primary-host.ts';
import { CapturedTable } from './captured-table.ts';
import { failoverWarnings, readFailoverSetting } from './failover-readiness.ts';
import { ChunkSizer } from './chunk-sizer.ts';
import { IncrementalSnapshots } from './incremental-snapshot.ts';
import { lsnAfter, normalizeLsn } from './lsn.ts';
import {
  type CapturedTablesOffset,
  capturedTables,
  capturedTablesPartition,
  freshTableOffset,
  isLegacyOffset,
  leftOutOfCapture,
  type SnapshotSegment,
  type StreamOffset,
  streamPartition,
  type TableOffset,
  tablePartition,
} from './offsets.ts';
import { TypeCatalog } from './relation-columns.ts';
import {
  checkLogicalReplicationPrerequisites,
  checkReplicaIdentity,
  createSlotCommand,
  ensurePublication,
  lostSlotMessage,
  SourcePositionLostError,
  serverVersionNum,
  slotState,
} from './slot-admin.ts';
import { checkStandbyPublication, isStandbySource } from './standby-source.ts';
import { SnapshotProgress } from './snapshot-progress.ts';
import { SnapshotKeys } from './snapshot-keys.ts';
import { type Chunk, readChunk } from './snapshot-reader.ts';
import { SnapshotReaders } from './snapshot-readers.ts';
import { StreamPhase } from './stream-phase.ts';
import { describeColumns, schemaNamesFor } from './table-schema.ts';

/** Slots made in a row for an initial snapshot, each time a table was truncated before the snapshot's locks, before start fails (and is retried). */
const EXPORTED_SNAPSHOT_ATTEMPTS = 5;

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
  private slotSql: Sql | undefined;
  private readers: SnapshotReaders | undefined;
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
  /** The next chunks of the initial snapshot, read while the worker sends the last ones. */
  private prefetched: { tables: CapturedTable[]; from: (string | null)[]; chunks: Promise<Chunk[]> } | undefined;

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
      if (!state) await this.beginExportedSnapshot();
      else if (!stored || stored.phase === 'snapshot') await this.beginResumedSnapshot(stored, state.confirmedFlushLsn ?? '0/0');
      else {
        const captured = offsets.offset(capturedTablesPartition(this.db, this.config.slot));
        this.stream = stored;
        // Resume from the position stored in Kafka, even when the slot was confirmed less far
        // (the acknowledgement did not reach PostgreSQL before a crash): nothing is produced twice.
        for (const table of this.tables.values()) {
          if (leftOutOfCapture(captured, table.name) && offsets.offset(table.partition) !== undefined) this.recapture(table);
          else if (table.offset.snapshot !== 'done') this.queueIncremental(table);
        }
        // Another set of tables: it is stored before any position past the stored one is confirmed
        // (changes of a table left out are confirmed as empty transactions).
        if (captured?.tables !== capturedTables(this.tables.keys()).tables) this.streaming.handOutFirst([this.capturedTablesPosition()]);
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
    this.streaming.handOutFirst([truncate, this.tablePosition(table)]);
    this.ctx.logger.warn({ table: table.name, lsn }, 'table back in the capture after it was left out: its earlier rows are marked gone (truncate) and it is snapshotted again');
  }

  /**
   * A new slot: its exported snapshot is exactly consistent with where streaming starts. The
   * readers lock the tables right after the slot is made; a TRUNCATE or table rewrite that
   * committed in between would have emptied a table for that snapshot, so the slot is then made
   * again (nothing was produced yet).
   */
  private async beginExportedSnapshot(): Promise<void> {
    const serverVersion = await serverVersionNum(this.sql as Sql);
    for (const table of this.tables.values()) table.setOffset(freshTableOffset('initial'));
    const refs = [...this.tables.values()].map((t) => t.ref);
    for (let attempt = 1; ; attempt++) {
      const created = await this.createSlot(serverVersion);
      this.readers = await SnapshotReaders.open(this.sql as Sql, this.readerCount(), created.snapshot_name, refs);
      const rewritten = await this.readers.rewrittenTables();
      if (rewritten.length === 0) {
        this.stream = { phase: 'snapshot', lsn: normalizeLsn(created.consistent_point) };
        break;
      }
      await this.readers.close();
      this.readers = undefined;
      await this.slotSql?.unsafe(`DROP_REPLICATION_SLOT ${quoteIdent(this.config.slot)} WAIT`);
      await this.slotSql?.end({ timeout: 5 });
      this.slotSql = undefined;
      const what = `${rewritten.join(', ')} truncated or rewritten (TRUNCATE, ALTER TABLE) between the replication slot's consistent point and the snapshot's table locks`;
      if (attempt >= EXPORTED_SNAPSHOT_ATTEMPTS) throw new ConnectionError(`${what}, ${attempt} times in a row: the slot was dropped; the initial snapshot starts over`);
      this.ctx.logger.warn({ slot: this.config.slot, tables: rewritten }, `${what}: the slot is made again, so the snapshot reads no table emptied after it`);
    }
    this.ctx.logger.info({ slot: this.config.slot, lsn: this.stream.lsn, tables: this.tables.size }, 'replication slot created; initial snapshot starts');
  }

  /** The server the replication connection goes to: the standby itself, else the writable primary of the URL's hosts. */
  private replicationUrl(): Promise<string> {
    return this.standby ? Promise.resolve(this.config.url.reveal()) : primaryHostUrl(this.config.url.reveal());
  }

  /** Creates the slot over a replication connection kept open: its exported snapshot lives as long as that connection is idle. */
  private async createSlot(serverVersion: number): Promise<{ consistent_point: string; snapshot_name: string }> {
    const began = this.ctx.now();
    if (this.standby) {
      this.ctx.logger.info(
        { slot: this.config.slot },
        'creating the replication slot on a standby: it waits for the primary\'s next running-transactions record (written every 15 s while the primary is busy; SELECT pg_log_standby_snapshot() on the primary writes one at once)',
      );
    }
    this.slotSql = postgres(await this.replicationUrl(), {
      max: 1,
      fetch_types: false,
      onnotice: () => undefined,
      connection: { replication: 'database', application_name: 'buyonline-producer-slot' } as Record<string, string>,
    });
    const [created] = await this.slotSql.unsafe<{ consistent_point: string; snapshot_name: string }[]>(createSlotCommand(this.config.slot, serverVersion));
    if (!created) throw new ConnectionError('CREATE_REPLICATION_SLOT returned nothing');
    if (this.standby) this.ctx.logger.info({ slot: this.config.slot, ms: this.ctx.now() - began }, 'replication slot created on the standby');
    return created;
  }

  private readerCount(): number {
    const pending = [...this.tables.values()].filter((t) => t.offset.snapshot === 'initial').length;
    return Math.max(1, Math.min(this.config.snapshotParallelism, pending));
  }

  /**
   * The exported snapshot died with the crashed process. The rest of each table is read from a
   * new snapshot; streaming later drops changes of transactions that snapshot already saw for
   * keys in the ranges it read (they are in the rows read), so nothing is lost or doubled.
   */
  private async beginResumedSnapshot(stored: StreamOffset | undefined, slotLsn: string): Promise<void> {
    const sql = this.sql as Sql;
    const unread = [...this.tables.values()].filter((t) => t.offset.snapshot === 'initial').map((t) => t.ref);
    this.readers = await SnapshotReaders.open(sql, this.readerCount(), null, unread);
    // Commits after this position are not in the new snapshot (taken before it): on a standby the
    // replay position read now, which writes nothing; on a primary a WAL message written now.
    const [mark] = this.standby
      ? await sql<{ lsn: string }[]>`select pg_last_wal_replay_lsn()::text as lsn`
      : await sql<{ lsn: string }[]>`select pg_logical_emit_message(true, 'buyonline-watermark', ${this.readers.snapshot})::text as lsn`;
    const until = normalizeLsn(mark?.lsn ?? '0/0');
    for (const table of this.tables.values()) {
      if (table.offset.snapshot === 'done') continue;
      const segments = JSON.parse(table.offset.segments) as SnapshotSegment[];
      let from = table.offset.last_key;
      if (table.keys === null) {
        // A keyless table is walked by ctid, which means nothing in another snapshot: it starts over.
        segments.length = 0;
        from = null;
      } else {
        const open = segments.at(-1);
        if (open && open.upTo === null) open.upTo = from;
      }
      segments.push({ above: from, upTo: null, snapshot: this.readers.snapshot });
      table.setOffset({ snapshot: 'initial', last_key: from, segments: JSON.stringify(segments), segments_until: until });
    }
    this.stream = { phase: 'snapshot', lsn: stored?.lsn ?? normalizeLsn(slotLsn) };
    this.ctx.logger.warn({ slot: this.config.slot, tables: [...this.tables.values()].filter((t) => t.offset.snapshot === 'initial').map((t) => t.name) }, 'resuming the initial snapshot after a restart');
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    if (this.stream.phase === 'snapshot') return this.pollSnapshot();
    return this.streaming.poll(signal);
  }

  /** The tables whose initial snapshot is being read now, one per reader. */
  private activeSnapshotTables(): CapturedTable[] {
    const readers = (this.readers as SnapshotReaders).readers;
    return [...this.tables.values()].filter((t) => t.offset.snapshot === 'initial').slice(0, readers.length);
  }

  /** The next chunk of each active table, one reader each. */
  private readChunks(active: readonly CapturedTable[]): Promise<Chunk[]> {
    const readers = (this.readers as SnapshotReaders).readers;
    return Promise.all(
      active.map((table, i) =>
        readChunk(readers[i] as (typeof readers)[number], table, table.offset.last_key, this.chunkSizer, active.length).catch((err: unknown) => {
          throw classifyPgError(err, table.name);
        }),
      ),
    );
  }

  /** Starts reading the chunks after the ones just handed out, while the worker sends those. */
  private prefetchChunks(): void {
    const active = this.activeSnapshotTables();
    if (active.length === 0) return;
    const promise = this.readChunks(active);
    promise.catch(() => undefined); // awaited by the next poll
    this.prefetched = { tables: active, from: active.map((t) => t.offset.last_key), chunks: promise };
  }

  /** The prefetched chunks when they were read for exactly these tables from exactly where they are now. */
  private takePrefetched(active: readonly CapturedTable[]): Promise<Chunk[]> | undefined {
    const prefetched = this.prefetched;
    this.prefetched = undefined;
    if (!prefetched) return undefined;
    const same = prefetched.tables.length === active.length && active.every((t, i) => prefetched.tables[i] === t && prefetched.from[i] === t.offset.last_key);
    return same ? prefetched.chunks : undefined;
  }

  private async pollSnapshot(): Promise<SourceRecord[]> {
    const active = this.activeSnapshotTables();
    if (active.length === 0) return this.finishSnapshot();
    const nowMicros = this.ctx.now() * 1000;
    const chunks = await (this.takePrefetched(active) ?? this.readChunks(active));
    const out: SourceRecord[] = [];
    active.forEach((table, i) => {
      const chunk = chunks[i] as (typeof chunks)[number];
      if (chunk.rows.length === 0) {
        table.offset = { ...table.offset, snapshot: 'done', last_key: null };
        out.push(this.tablePosition(table));
        this.progress.finished(table.name);
        this.ctx.logger.info({ table: table.name }, 'table snapshot done');
        return;
      }
      const base = table.offset;
      const meta: ChangeMeta = { txid: null, lsn: this.stream.lsn, snapshot: true, tsUs: nowMicros, position: JSON.stringify({ lsn: this.stream.lsn, phase: 'snapshot', last_key: chunk.lastKey }) };
      for (const row of chunk.rows) {
        // Each read carries its own key as the resume point (a keyless table's chunk end, its ctid).
        const offset: TableOffset = { ...base, last_key: table.keys?.keyText(row) ?? chunk.lastKey };
        out.push(table.records.read(table.shape, row, offset, meta));
      }
      table.offset = { ...base, last_key: chunk.lastKey };
      this.progress.chunk(table.name, chunk.rows.length, 'snapshot');
    });
    this.prefetchChunks();
    return out;
  }

  /** Every table is read: streaming starts at the slot's consistent point, and the phase change is stored at once. */
  private async finishSnapshot(): Promise<SourceRecord[]> {
    await this.settlePrefetch();
    await this.readers?.close();
    this.readers = undefined;
    await this.slotSql?.end({ timeout: 5 });
    this.slotSql = undefined;
    this.stream = { phase: 'stream', lsn: this.stream.lsn };
    this.ctx.logger.info({ lsn: this.stream.lsn }, 'initial snapshot done; streaming from the slot');
    this.ctx.status?.report('stream', `slot ${this.config.slot}`, { phase: 'stream', position: this.stream.lsn });
    await this.streaming.start({ partition: this.partition, committedLsn: this.stream.lsn, confirmedLsn: this.stream.lsn, streamInProgress: this.streamInProgress });
    return [this.capturedTablesPosition(), this.streamPosition()];
  }

  private tablePosition(table: CapturedTable): SourceRecord {
    return { topic: table.topic, sourcePartition: table.partition, sourceOffset: table.offset, keySchema: null, key: null, valueSchema: table.shape.valueSchema, value: null, positionOnly: true };
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
    this.prefetched = undefined;
  }

  async commit(records: readonly SourceRecord[]): Promise<void> {
    // Kafka has committed these (and everything before them): only now may PostgreSQL forget the WAL behind them.
    if (this.stream.phase !== 'stream') return;
    await this.streaming.commit(records);
  }

  /** A chunk read ahead is dropped (its rows are read again from the stored position); its reader is then free. */
  private async settlePrefetch(): Promise<void> {
    const prefetched = this.prefetched;
    this.prefetched = undefined;
    await prefetched?.chunks.catch(() => undefined);
  }

  async stop(): Promise<void> {
    await this.streaming.stop();
    await this.settlePrefetch();
    await this.readers?.close();
    this.readers = undefined;
    await this.slotSql?.end({ timeout: 5 });
    this.slotSql = undefined;
    await this.sql?.end({ timeout: 5 });
    this.sql = undefined;
  }
}

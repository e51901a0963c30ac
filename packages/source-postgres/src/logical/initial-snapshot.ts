import { ConnectionError, type PluginContext, type SourceRecord } from '@buyonline/connect-api';
import postgres, { type ReservedSql, type Sql } from 'postgres';
import type { ChangeMeta } from '../change-records.ts';
import type { PostgresSourceConfig } from '../config.ts';
import { classifyPgError } from '../pg-errors.ts';
import { quoteIdent } from '../sql-identifiers.ts';
import type { TableRef } from '../tables.ts';
import type { CapturedTable } from './captured-table.ts';
import type { ChunkSizer } from './chunk-sizer.ts';
import { normalizeLsn } from './lsn.ts';
import { freshTableOffset, type SnapshotSegment, type StreamOffset, type TableOffset } from './offsets.ts';
import { createSlotCommand, serverVersionNum } from './slot-admin.ts';
import type { SnapshotProgress } from './snapshot-progress.ts';
import type { Chunk } from './snapshot-reader.ts';
import type { SnapshotReaders } from './snapshot-readers.ts';

/** Slots made in a row for an initial snapshot, each time a table was truncated before the snapshot's locks, before start fails (and is retried). */
const EXPORTED_SNAPSHOT_ATTEMPTS = 5;

type Readers = Pick<SnapshotReaders, 'readers' | 'snapshot' | 'rewrittenTables' | 'close'>;

export interface InitialSnapshotOptions extends Pick<PostgresSourceConfig, 'slot' | 'snapshotParallelism'> {
  /** The source is a hot standby: nothing is written (the resumed snapshot's mark is the replay position). */
  standby: boolean;
}

/** What the snapshot phase reads with: the task's tables and connection, and where its chunks come from (`SnapshotReaders.open`, `readChunk`). */
export interface InitialSnapshotContext {
  sql: Sql;
  tables: ReadonlyMap<string, CapturedTable>;
  chunkSizer: ChunkSizer;
  progress: SnapshotProgress;
  /** The server the replication connection goes to (the standby itself, else the writable primary). */
  replicationUrl: () => Promise<string>;
  openReaders: (sql: Sql, count: number, exported: string | null, tables: readonly TableRef[]) => Promise<Readers>;
  readChunk: (reader: ReservedSql, table: CapturedTable, lastKey: string | null, size: ChunkSizer, readers: number) => Promise<Chunk>;
  ctx: PluginContext;
}

/**
 * The initial snapshot of every table: several at once, sharing one snapshot (a new slot's exported
 * snapshot, or after a restart a new one whose key ranges the stream later filters), each table in
 * key order and resumable, the next chunks read while the worker sends the last ones. It ends at
 * the position the stream phase starts from, and hands nothing to it itself.
 */
export class InitialSnapshot {
  private readers: Readers | undefined;
  /** The replication connection that made the slot: its exported snapshot lives while it is open. */
  private slotSql: Sql | undefined;
  /** The next chunks, read while the worker sends the last ones. */
  private prefetched: { tables: CapturedTable[]; from: (string | null)[]; chunks: Promise<Chunk[]> } | undefined;
  /** Where streaming starts once every table is read: the slot's consistent point, or the stored position. */
  private lsn = '0/0';

  constructor(
    private readonly options: InitialSnapshotOptions,
    private readonly context: InitialSnapshotContext,
  ) {}

  /**
   * A new slot: its exported snapshot is exactly consistent with where streaming starts. The
   * readers lock the tables right after the slot is made; a TRUNCATE or table rewrite that
   * committed in between would have emptied a table for that snapshot, so the slot is then made
   * again (nothing was produced yet). Returns the slot's consistent point.
   */
  async beginExported(): Promise<string> {
    const { sql, tables, ctx } = this.context;
    const serverVersion = await serverVersionNum(sql);
    for (const table of tables.values()) table.setOffset(freshTableOffset('initial'));
    const refs = [...tables.values()].map((t) => t.ref);
    for (let attempt = 1; ; attempt++) {
      const created = await this.createSlot(serverVersion);
      this.readers = await this.context.openReaders(sql, this.readerCount(), created.snapshot_name, refs);
      const rewritten = await this.readers.rewrittenTables();
      if (rewritten.length === 0) {
        this.lsn = normalizeLsn(created.consistent_point);
        break;
      }
      await this.readers.close();
      this.readers = undefined;
      await this.slotSql?.unsafe(`DROP_REPLICATION_SLOT ${quoteIdent(this.options.slot)} WAIT`);
      await this.slotSql?.end({ timeout: 5 });
      this.slotSql = undefined;
      const what = `${rewritten.join(', ')} truncated or rewritten (TRUNCATE, ALTER TABLE) between the replication slot's consistent point and the snapshot's table locks`;
      if (attempt >= EXPORTED_SNAPSHOT_ATTEMPTS) throw new ConnectionError(`${what}, ${attempt} times in a row: the slot was dropped; the initial snapshot starts over`);
      ctx.logger.warn({ slot: this.options.slot, tables: rewritten }, `${what}: the slot is made again, so the snapshot reads no table emptied after it`);
    }
    ctx.logger.info({ slot: this.options.slot, lsn: this.lsn, tables: tables.size }, 'replication slot created; initial snapshot starts');
    return this.lsn;
  }

  /** Creates the slot over a replication connection kept open: its exported snapshot lives as long as that connection is idle. */
  private async createSlot(serverVersion: number): Promise<{ consistent_point: string; snapshot_name: string }> {
    const { ctx } = this.context;
    const { slot, standby } = this.options;
    const began = ctx.now();
    if (standby) {
      ctx.logger.info(
        { slot },
        'creating the replication slot on a standby: it waits for the primary\'s next running-transactions record (written every 15 s while the primary is busy; SELECT pg_log_standby_snapshot() on the primary writes one at once)',
      );
    }
    this.slotSql = postgres(await this.context.replicationUrl(), {
      max: 1,
      fetch_types: false,
      onnotice: () => undefined,
      connection: { replication: 'database', application_name: 'buyonline-producer-slot' } as Record<string, string>,
    });
    const [created] = await this.slotSql.unsafe<{ consistent_point: string; snapshot_name: string }[]>(createSlotCommand(slot, serverVersion, { onStandby: standby }));
    if (!created) throw new ConnectionError('CREATE_REPLICATION_SLOT returned nothing');
    if (standby) ctx.logger.info({ slot, ms: ctx.now() - began }, 'replication slot created on the standby');
    return created;
  }

  private readerCount(): number {
    const pending = [...this.context.tables.values()].filter((t) => t.offset.snapshot === 'initial').length;
    return Math.max(1, Math.min(this.options.snapshotParallelism, pending));
  }

  /**
   * The exported snapshot died with the crashed process. The rest of each table is read from a
   * new snapshot; streaming later drops changes of transactions that snapshot already saw for
   * keys in the ranges it read (they are in the rows read), so nothing is lost or doubled.
   * Returns where streaming starts: the stored position, else the slot's.
   */
  async beginResumed(stored: StreamOffset | undefined, slotLsn: string): Promise<string> {
    const { sql, tables, ctx } = this.context;
    const unread = [...tables.values()].filter((t) => t.offset.snapshot === 'initial').map((t) => t.ref);
    const readers = await this.context.openReaders(sql, this.readerCount(), null, unread);
    this.readers = readers;
    // Commits after this position are not in the new snapshot (taken before it): on a standby the
    // replay position read now, which writes nothing; on a primary a WAL message written now.
    const [mark] = this.options.standby
      ? await sql<{ lsn: string }[]>`select pg_last_wal_replay_lsn()::text as lsn`
      : await sql<{ lsn: string }[]>`select pg_logical_emit_message(true, 'buyonline-watermark', ${readers.snapshot})::text as lsn`;
    const until = normalizeLsn(mark?.lsn ?? '0/0');
    for (const table of tables.values()) {
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
      segments.push({ above: from, upTo: null, snapshot: readers.snapshot });
      table.setOffset({ snapshot: 'initial', last_key: from, segments: JSON.stringify(segments), segments_until: until });
    }
    this.lsn = stored?.lsn ?? normalizeLsn(slotLsn);
    ctx.logger.warn({ slot: this.options.slot, tables: [...tables.values()].filter((t) => t.offset.snapshot === 'initial').map((t) => t.name) }, 'resuming the initial snapshot after a restart');
    return this.lsn;
  }

  /** The tables whose initial snapshot is being read now, one per reader. */
  private activeTables(): CapturedTable[] {
    const readers = (this.readers as Readers).readers;
    return [...this.context.tables.values()].filter((t) => t.offset.snapshot === 'initial').slice(0, readers.length);
  }

  /** The next chunk of each active table, one reader each. */
  private readChunks(active: readonly CapturedTable[]): Promise<Chunk[]> {
    const readers = (this.readers as Readers).readers;
    return Promise.all(
      active.map((table, i) =>
        this.context.readChunk(readers[i] as (typeof readers)[number], table, table.offset.last_key, this.context.chunkSizer, active.length).catch((err: unknown) => {
          throw classifyPgError(err, table.name);
        }),
      ),
    );
  }

  /** Starts reading the chunks after the ones just handed out, while the worker sends those. */
  private prefetchChunks(): void {
    const active = this.activeTables();
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

  /** The next rows of the tables being read (a table read to its end, its position); undefined once every table is read, the readers then closed. */
  async poll(): Promise<SourceRecord[] | undefined> {
    const active = this.activeTables();
    if (active.length === 0) {
      await this.close();
      return undefined;
    }
    const { ctx, progress } = this.context;
    const nowMicros = ctx.now() * 1000;
    const chunks = await (this.takePrefetched(active) ?? this.readChunks(active));
    const out: SourceRecord[] = [];
    active.forEach((table, i) => {
      const chunk = chunks[i] as (typeof chunks)[number];
      if (chunk.rows.length === 0) {
        table.offset = { ...table.offset, snapshot: 'done', last_key: null };
        out.push(table.positionRecord());
        progress.finished(table.name);
        ctx.logger.info({ table: table.name }, 'table snapshot done');
        return;
      }
      const base = table.offset;
      const meta: ChangeMeta = { txid: null, lsn: this.lsn, snapshot: true, tsUs: nowMicros, position: JSON.stringify({ lsn: this.lsn, phase: 'snapshot', last_key: chunk.lastKey }) };
      for (const row of chunk.rows) {
        // Each read carries its own key as the resume point (a keyless table's chunk end, its ctid).
        const offset: TableOffset = { ...base, last_key: table.keys?.keyText(row) ?? chunk.lastKey };
        out.push(table.records.read(table.shape, row, offset, meta));
      }
      table.offset = { ...base, last_key: chunk.lastKey };
      progress.chunk(table.name, chunk.rows.length, 'snapshot');
    });
    this.prefetchChunks();
    return out;
  }

  /** A chunk read ahead is dropped (its rows are read again from the stored position); the readers and the slot's connection are closed. */
  async close(): Promise<void> {
    const prefetched = this.prefetched;
    this.prefetched = undefined;
    await prefetched?.chunks.catch(() => undefined);
    await this.readers?.close();
    this.readers = undefined;
    await this.slotSql?.end({ timeout: 5 });
    this.slotSql = undefined;
  }
}

import {
  ConnectionError,
  DataError,
  describeError,
  type OffsetReader,
  type PluginContext,
  type SourceOffset,
  type SourcePartition,
  type SourceRecord,
  type SourceTask,
} from '@buyonline/kafka-common';
import pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import postgres, { type ReservedSql, type Sql } from 'postgres';
import type { PostgresSourceConfig } from '../config.ts';
import { classifyPgError } from '../pg-errors.ts';
import { qualified, quoteIdent } from '../sql-identifiers.ts';
import { compareLsn, normalizeLsn } from './lsn.ts';
import {
  checkLogicalReplicationPrerequisites,
  ensurePublication,
  lostSlotMessage,
  SourcePositionLostError,
  slotLagBytes,
  slotState,
} from './slot-admin.ts';
import { SnapshotVisibility } from './snapshot-visibility.ts';
import { describeColumns, productSchemaNames, shapeTable, type TableShape } from './table-schema.ts';

/** Where a log-based capture stands; stored in the offsets topic with every Kafka transaction. */
export interface LogicalOffset extends SourceOffset {
  phase: 'snapshot' | 'stream';
  /** snapshot: the slot's consistent point; stream: commit end LSN of the last transaction in Kafka. */
  lsn: string;
  /** snapshot: the last key read. */
  last_key: string | null;
  /** JSON of SnapshotSegment[]: key ranges read from a later snapshot after a resumed snapshot. */
  segments: string;
  /** Past this LSN the segments no longer matter. */
  segments_until: string | null;
}

interface SnapshotSegment {
  /** Exclusive lower bound of the key range (null: from the start). */
  above: string | null;
  /** Inclusive upper bound (null: no bound). */
  upTo: string | null;
  /** pg_current_snapshot() of the transaction that read this range. */
  snapshot: string;
}

interface Change {
  tag: 'insert' | 'update' | 'delete';
  newTuple: Record<string, string | null | undefined> | null;
  oldTuple: Record<string, string | null | undefined> | null;
}

interface ReadyTransaction {
  lsn: string;
  records: SourceRecord[];
}

const TEXT_TYPE_OIDS = [16, 17, 20, 21, 23, 114, 700, 701, 1082, 1083, 1114, 1184, 1186, 1266, 1700, 2950, 3802];
const TEXT_ARRAY_OIDS = [1000, 1001, 1005, 1007, 1009, 1015, 1016, 1021, 1022, 1115, 1182, 1183, 1185, 1231, 2951, 199, 3807];

/** pgoutput values stay in PostgreSQL's text form: our own converters are exact, pg's are not. */
function keepTextValues(): void {
  for (const oid of [...TEXT_TYPE_OIDS, ...TEXT_ARRAY_OIDS]) pg.types.setTypeParser(oid, 'text', (v: string) => v);
}

const SESSION = { TimeZone: 'UTC', DateStyle: 'ISO', IntervalStyle: 'iso_8601', extra_float_digits: '3', bytea_output: 'hex' };

export class LogicalReplicationTask implements SourceTask {
  private sql: Sql | undefined;
  private replicationSql: Sql | undefined;
  private snapshotTx: ReservedSql | undefined;
  private service: LogicalReplicationService | undefined;
  private shape: TableShape | undefined;
  private position: LogicalOffset | undefined;
  private partition: SourcePartition = {};
  private db = '';
  private readonly ready: ReadyTransaction[] = [];
  private readyRecords = 0;
  private current: { xid: number; commitTime: bigint; changes: Change[] } | undefined;
  /** Highest commit LSN handed to the worker (re-deliveries at or below it are dropped). */
  private handedLsn = '0/0';
  /** Highest LSN acknowledged to PostgreSQL. */
  private ackedLsn = '0/0';
  private batchLsn: string | undefined;
  private streamError: unknown;
  private wake: (() => void) | undefined;
  private drained: (() => void) | undefined;
  private lastActivity = 0;
  private lastLagCheck = 0;
  private segments: { above: string | null; upTo: string | null; visibility: SnapshotVisibility }[] = [];
  private readonly name: string;
  private readonly keyIsInteger: () => boolean;

  constructor(
    private readonly config: PostgresSourceConfig,
    private readonly ctx: PluginContext,
  ) {
    this.name = `${config.table.schema}.${config.table.table}`;
    this.keyIsInteger = () => ['int2', 'int4', 'int8'].includes(this.shape?.keyColumn.info.typeName ?? '');
  }

  async start(offsets: OffsetReader): Promise<void> {
    const { schema, table } = this.config.table;
    this.sql = postgres(this.config.url.reveal(), {
      max: 3,
      onnotice: () => undefined,
      connection: { application_name: 'buyonline-producer', ...SESSION },
      connect_timeout: 10,
    });
    try {
      await checkLogicalReplicationPrerequisites(this.sql);
      await ensurePublication(this.sql, this.config.publication, schema, table);
      this.shape = shapeTable(await describeColumns(this.sql, schema, table), productSchemaNames, this.config.excludeColumns, this.name);
      const [row] = await this.sql<{ db: string }[]>`select current_database() as db`;
      this.db = row?.db ?? '';
      this.partition = { db: this.db, table: this.name, slot: this.config.slot };
      const stored = offsets.offset(this.partition) as LogicalOffset | undefined;
      const state = await slotState(this.sql, this.config.slot);
      if (state?.walStatus === 'lost') throw new SourcePositionLostError(lostSlotMessage(this.config.slot, 'was invalidated by PostgreSQL (wal_status = lost)'));
      if (!state && stored) throw new SourcePositionLostError(lostSlotMessage(this.config.slot, `does not exist although a position was stored (LSN ${stored.lsn})`));
      if (!state) await this.beginExportedSnapshot();
      else if (!stored || stored.phase === 'snapshot') await this.beginResumedSnapshot(stored, state.confirmedFlushLsn ?? '0/0');
      else {
        this.position = stored;
        this.loadSegments(stored);
        this.handedLsn = stored.lsn;
        this.ackedLsn = state.confirmedFlushLsn ?? stored.lsn;
        await this.startStreaming();
      }
    } catch (err) {
      throw classifyPgError(err, this.name);
    }
    this.ctx.logger.info({ table: this.name, slot: this.config.slot, phase: this.position?.phase, lsn: this.position?.lsn }, 'log-based source started');
  }

  /** A new slot: its exported snapshot is exactly consistent with where streaming starts. */
  private async beginExportedSnapshot(): Promise<void> {
    const sql = this.sql as Sql;
    this.replicationSql = postgres(this.config.url.reveal(), {
      max: 1,
      fetch_types: false,
      onnotice: () => undefined,
      connection: { replication: 'database', application_name: 'buyonline-producer-slot' } as Record<string, string>,
    });
    const [created] = await this.replicationSql.unsafe<{ consistent_point: string; snapshot_name: string }[]>(
      `CREATE_REPLICATION_SLOT ${quoteIdent(this.config.slot)} LOGICAL pgoutput (SNAPSHOT 'export')`,
    );
    if (!created) throw new ConnectionError('CREATE_REPLICATION_SLOT returned nothing');
    this.snapshotTx = await sql.reserve();
    await this.snapshotTx.unsafe('begin isolation level repeatable read read only');
    await this.snapshotTx.unsafe(`set transaction snapshot '${created.snapshot_name.replaceAll("'", "''")}'`);
    this.position = { phase: 'snapshot', lsn: normalizeLsn(created.consistent_point), last_key: null, segments: '[]', segments_until: null };
    this.ctx.logger.info({ slot: this.config.slot, lsn: this.position.lsn }, 'replication slot created; initial snapshot starts');
  }

  /**
   * The exported snapshot died with the crashed process. The rest of the table is read from a
   * new snapshot; streaming later drops changes of transactions that snapshot already saw for
   * keys in that range (they are in the rows read), so nothing is lost or doubled.
   */
  private async beginResumedSnapshot(stored: LogicalOffset | undefined, slotLsn: string): Promise<void> {
    const sql = this.sql as Sql;
    this.snapshotTx = await sql.reserve();
    await this.snapshotTx.unsafe('begin isolation level repeatable read read only');
    const [snap] = await this.snapshotTx.unsafe<{ snapshot: string }[]>('select pg_current_snapshot()::text as snapshot');
    const [mark] = await sql<{ lsn: string }[]>`select pg_logical_emit_message(true, 'buyonline-watermark', ${snap?.snapshot ?? ''})::text as lsn`;
    const segments = JSON.parse(stored?.segments ?? '[]') as SnapshotSegment[];
    const open = segments.at(-1);
    if (open && open.upTo === null) open.upTo = stored?.last_key ?? null;
    segments.push({ above: stored?.last_key ?? null, upTo: null, snapshot: snap?.snapshot ?? '' });
    this.position = {
      phase: 'snapshot',
      lsn: stored?.lsn ?? normalizeLsn(slotLsn),
      last_key: stored?.last_key ?? null,
      segments: JSON.stringify(segments),
      segments_until: normalizeLsn(mark?.lsn ?? '0/0'),
    };
    this.loadSegments(this.position);
    this.ctx.logger.warn({ slot: this.config.slot, from: this.position.last_key }, 'resuming the initial snapshot after a restart');
  }

  private loadSegments(offset: LogicalOffset): void {
    this.segments = (JSON.parse(offset.segments) as SnapshotSegment[]).map((s) => ({
      above: s.above,
      upTo: s.upTo,
      visibility: new SnapshotVisibility(s.snapshot),
    }));
  }

  private compareKeys(a: string, b: string): number {
    if (this.keyIsInteger()) {
      const x = BigInt(a);
      const y = BigInt(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    if (this.position?.phase === 'snapshot') return this.pollSnapshot();
    return this.pollStream(signal);
  }

  private async pollSnapshot(): Promise<SourceRecord[]> {
    const tx = this.snapshotTx as ReservedSql;
    const shape = this.shape as TableShape;
    const position = this.position as LogicalOffset;
    const key = quoteIdent(shape.keyColumn.info.name);
    const collate = this.keyIsInteger() ? '' : ' collate "C"';
    // The type's output function, as pgoutput uses: ::text would strip char(n) padding.
    const columns = shape.columns
      .map((c) => {
        const col = `t.${quoteIdent(c.info.name)}`;
        const text = c.info.typeName === 'bpchar' ? `case when ${col} is null then null else concat(${col}) end` : `${col}::text`;
        return `${text} as ${quoteIdent(c.info.name)}`;
      })
      .join(', ');
    let rows: Record<string, string | null>[];
    try {
      rows = await tx.unsafe<Record<string, string | null>[]>(
        // t.<key>, not <key>: the bare name would be the text output column, sorting "10" < "9".
        `select ${columns} from ${qualified(this.config.table.schema, this.config.table.table)} t
          where $1::text is null or t.${key}${collate} > $1::text::${this.keyIsInteger() ? 'int8' : 'text'}${collate}
          order by t.${key}${collate} limit $2`,
        [position.last_key, this.config.snapshotChunkSize],
      );
    } catch (err) {
      throw classifyPgError(err, this.name);
    }
    if (rows.length === 0) {
      await tx.unsafe('commit');
      tx.release();
      this.snapshotTx = undefined;
      await this.replicationSql?.end({ timeout: 5 });
      this.replicationSql = undefined;
      this.position = { ...position, phase: 'stream', last_key: null };
      this.handedLsn = position.lsn;
      this.ackedLsn = position.lsn;
      this.ctx.logger.info({ lsn: position.lsn }, 'initial snapshot done; streaming from the slot');
      await this.startStreaming();
      return [];
    }
    const nowMicros = this.ctx.now() * 1000;
    const records = rows.map((row) => {
      const offset: LogicalOffset = { ...position, last_key: row[shape.keyColumn.info.name] ?? null };
      try {
        return this.record('r', null, row, offset, { txid: null, lsn: position.lsn, snapshot: true, tsUs: nowMicros });
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
        return this.failedRecord(row, offset, err);
      }
    });
    this.position = records.at(-1)?.sourceOffset as LogicalOffset;
    this.ctx.metrics.count('source_snapshot_rows_total', records.length);
    return records;
  }

  private record(
    op: 'c' | 'u' | 'd' | 'r',
    before: Record<string, string | null | undefined> | null,
    after: Record<string, string | null | undefined> | null,
    offset: LogicalOffset,
    meta: { txid: number | null; lsn: string; snapshot: boolean; tsUs: number },
  ): SourceRecord {
    const shape = this.shape as TableShape;
    const convert = (tuple: Record<string, string | null | undefined>) => {
      const out: Record<string, unknown> = {};
      for (const column of shape.columns) {
        const text = tuple[column.info.name];
        if (text === null || text === undefined) {
          out[column.info.name] = text;
          continue;
        }
        try {
          out[column.info.name] = column.mapping.fromText(text);
        } catch (err) {
          if (err instanceof DataError) throw new DataError(`column ${column.info.name}: ${err.message}`, { cause: err });
          throw err;
        }
      }
      return out;
    };
    const image = after ?? before ?? {};
    const keyText = image[shape.keyColumn.info.name];
    const key = { [shape.keyColumn.info.name]: keyText == null ? null : shape.keyColumn.mapping.fromText(keyText) };
    const unchanged = after ? shape.columns.filter((c) => after[c.info.name] === undefined).map((c) => c.info.name) : [];
    return {
      topic: this.config.topic,
      sourcePartition: this.partition,
      sourceOffset: offset,
      keySchema: shape.keySchema,
      key,
      valueSchema: shape.valueSchema,
      value: {
        op,
        before: before ? convert(before) : null,
        after: after ? convert(after) : null,
        source: {
          connector: 'postgres-logical',
          db: this.db,
          schema: this.config.table.schema,
          table: this.config.table.table,
          position: JSON.stringify({ lsn: offset.lsn, phase: offset.phase, last_key: offset.last_key }),
          txid: meta.txid,
          lsn: meta.lsn,
          snapshot: meta.snapshot,
          ts_us: meta.tsUs,
        },
        ts_us: this.ctx.now() * 1000,
      },
      timestampMs: Math.floor(meta.tsUs / 1000),
      // An unchanged TOASTed value without a before-image is unknown: never written as a placeholder.
      ...(unchanged.length > 0 ? { headers: { 'buyonline.unchanged-toast': unchanged.join(',') } } : {}),
    };
  }

  /** A row that cannot be converted: dead-lettered with the reason (the raw text values kept), never dropped. */
  private failedRecord(tuple: Record<string, string | null | undefined>, offset: LogicalOffset, err: DataError): SourceRecord {
    const shape = this.shape as TableShape;
    return {
      topic: this.config.topic,
      sourcePartition: this.partition,
      sourceOffset: offset,
      keySchema: shape.keySchema,
      key: { [shape.keyColumn.info.name]: tuple[shape.keyColumn.info.name] ?? null },
      valueSchema: shape.valueSchema,
      value: tuple,
      failure: { code: err.code, message: `${this.name}: ${err.message}` },
    };
  }

  private async startStreaming(): Promise<void> {
    keepTextValues();
    const position = this.position as LogicalOffset;
    const service = new LogicalReplicationService(
      { connectionString: this.config.url.reveal(), options: Object.entries(SESSION).map(([k, v]) => `-c ${k}=${v}`).join(' ') },
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
    );
    service.on('data', (_lsn: string, message: { tag: string } & Record<string, unknown>) => this.onMessage(message));
    service.on('heartbeat', (_lsn: string, _ts: number, shouldRespond: boolean) => {
      if (shouldRespond) void service.acknowledge(this.ackedLsn).catch(() => undefined);
    });
    service.on('error', (err: Error) => {
      this.streamError = err;
      this.wake?.();
    });
    this.service = service;
    this.streamError = undefined;
    this.lastActivity = this.ctx.now();
    const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [this.config.publication], messages: true });
    service.subscribe(plugin, this.config.slot, position.lsn).catch((err: unknown) => {
      this.streamError = err;
      this.wake?.();
    });
  }

  private async onMessage(message: { tag: string } & Record<string, unknown>): Promise<void> {
    this.lastActivity = this.ctx.now();
    switch (message.tag) {
      case 'begin':
        this.current = { xid: message.xid as number, commitTime: message.commitTime as bigint, changes: [] };
        return;
      case 'relation': {
        const { schema, table } = this.config.table;
        this.shape = shapeTable(await describeColumns(this.sql as Sql, schema, table), productSchemaNames, this.config.excludeColumns, this.name);
        return;
      }
      case 'insert':
      case 'update':
      case 'delete':
        this.current?.changes.push({
          tag: message.tag,
          newTuple: (message.new as Change['newTuple']) ?? null,
          oldTuple: ((message.old ?? message.key) as Change['oldTuple']) ?? null,
        });
        return;
      case 'commit':
        await this.onCommit(normalizeLsn(message.commitEndLsn as string));
        return;
      default:
        return; // 'message' (heartbeats, watermarks), 'type', 'origin', 'truncate'
    }
  }

  private async onCommit(lsn: string): Promise<void> {
    const txn = this.current;
    this.current = undefined;
    if (!txn || compareLsn(lsn, this.handedLsn) <= 0) return; // already in Kafka
    this.handedLsn = lsn;
    const position = this.position as LogicalOffset;
    const filtering = position.segments_until !== null && compareLsn(lsn, position.segments_until) <= 0;
    if (!filtering && position.segments !== '[]') {
      this.position = { ...position, segments: '[]', segments_until: null };
      this.segments = [];
    }
    const offset: LogicalOffset = { ...(this.position as LogicalOffset), lsn };
    const tsUs = Number(txn.commitTime);
    const records: SourceRecord[] = [];
    const shape = this.shape as TableShape;
    for (const change of txn.changes) {
      const keyText = (change.newTuple ?? change.oldTuple)?.[shape.keyColumn.info.name];
      if (filtering && keyText != null && this.seenBySnapshot(keyText, txn.xid)) continue;
      const meta = { txid: txn.xid, lsn, snapshot: false, tsUs };
      try {
        if (change.tag === 'insert') records.push(this.record('c', null, change.newTuple, offset, meta));
        else if (change.tag === 'update') records.push(this.record('u', change.oldTuple, change.newTuple, offset, meta));
        else {
          const deleted = this.record('d', change.oldTuple, null, offset, meta);
          records.push(deleted, { ...deleted, value: null, headers: {} });
        }
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
        records.push(this.failedRecord(change.newTuple ?? change.oldTuple ?? {}, offset, err));
      }
    }
    this.ready.push({ lsn, records });
    this.readyRecords += records.length;
    this.wake?.();
    // Backpressure: let the worker catch up before reading more WAL.
    if (this.readyRecords > this.config.batchSize * 4) await new Promise<void>((resolve) => (this.drained = resolve));
  }

  private seenBySnapshot(keyText: string, xid: number): boolean {
    return this.segments.some(
      (s) =>
        (s.above === null || this.compareKeys(keyText, s.above) > 0) &&
        (s.upTo === null || this.compareKeys(keyText, s.upTo) <= 0) &&
        s.visibility.sees(xid),
    );
  }

  private async pollStream(signal: AbortSignal): Promise<SourceRecord[]> {
    if (this.streamError) {
      const err = this.streamError;
      await this.restartStream();
      throw new ConnectionError(`replication stream failed: ${describeError(err)}; reconnecting from ${this.ackedLsn}`, { cause: err });
    }
    await this.checkSlot();
    if (this.ready.length === 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, this.config.pollIntervalMs);
        this.wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
      this.wake = undefined;
    }
    if (this.ready.length === 0) {
      await this.maybeHeartbeat();
      return [];
    }
    const out: SourceRecord[] = [];
    while (this.ready.length > 0 && out.length < this.config.batchSize) {
      const txn = this.ready.shift() as ReadyTransaction;
      this.readyRecords -= txn.records.length;
      out.push(...txn.records);
      this.batchLsn = txn.lsn;
    }
    if (this.readyRecords <= this.config.batchSize) {
      this.drained?.();
      this.drained = undefined;
    }
    if (out.length === 0 && this.batchLsn) {
      // Only transactions without captured changes (heartbeats, other tables): nothing to
      // produce, nothing in flight, so their position can be acknowledged now.
      await this.acknowledge(this.batchLsn);
      this.batchLsn = undefined;
    }
    return out;
  }

  private async maybeHeartbeat(): Promise<void> {
    if (this.ctx.now() - this.lastActivity < this.config.heartbeatIntervalMs) return;
    this.lastActivity = this.ctx.now();
    try {
      await (this.sql as Sql)`select pg_logical_emit_message(true, 'buyonline-heartbeat', now()::text)`;
      this.ctx.metrics.count('source_heartbeats_total');
    } catch (err) {
      throw classifyPgError(err, this.name);
    }
  }

  private async checkSlot(): Promise<void> {
    if (this.ctx.now() - this.lastLagCheck < this.config.slotCheckIntervalMs) return;
    this.lastLagCheck = this.ctx.now();
    const lag = await slotLagBytes(this.sql as Sql, this.config.slot).catch((err: unknown) => {
      throw classifyPgError(err, this.name);
    });
    if (!lag) throw new SourcePositionLostError(lostSlotMessage(this.config.slot, 'disappeared while streaming'));
    if (lag.walStatus === 'lost') throw new SourcePositionLostError(lostSlotMessage(this.config.slot, 'was invalidated by PostgreSQL (wal_status = lost)'));
    this.ctx.metrics.gauge('source_slot_lag_bytes', lag.lag, { slot: this.config.slot });
    if (lag.lag > this.config.slotLagWarnBytes) {
      this.ctx.logger.warn({ slot: this.config.slot, lagBytes: lag.lag, limit: this.config.slotLagWarnBytes }, 'replication slot lag is past its limit: WAL is piling up');
    }
  }

  private async restartStream(): Promise<void> {
    await this.service?.stop().catch(() => undefined);
    this.service = undefined;
    this.ready.length = 0;
    this.readyRecords = 0;
    this.current = undefined;
    this.handedLsn = this.ackedLsn;
    this.position = { ...(this.position as LogicalOffset), lsn: this.ackedLsn };
    await this.startStreaming();
  }

  private async acknowledge(lsn: string): Promise<void> {
    if (compareLsn(lsn, this.ackedLsn) <= 0) return;
    await this.service?.acknowledge(lsn);
    this.ackedLsn = lsn;
  }

  async commit(records: readonly SourceRecord[]): Promise<void> {
    // Kafka has committed these: only now may PostgreSQL forget the WAL behind them.
    if (this.position?.phase !== 'stream') return;
    const last = this.batchLsn ?? (records.at(-1)?.sourceOffset as LogicalOffset | undefined)?.lsn;
    this.batchLsn = undefined;
    if (last) await this.acknowledge(last);
  }

  async stop(): Promise<void> {
    this.drained?.();
    await this.service?.stop().catch(() => undefined);
    if (this.snapshotTx) {
      await this.snapshotTx.unsafe('rollback').catch(() => undefined);
      this.snapshotTx.release();
    }
    await this.replicationSql?.end({ timeout: 5 });
    await this.sql?.end({ timeout: 5 });
    this.sql = undefined;
  }
}

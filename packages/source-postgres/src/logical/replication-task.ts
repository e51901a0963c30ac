import { ConnectionError, describeError, type OffsetReader, type PluginContext, type SourceOffset, type SourcePartition, type SourceRecord, type SourceTask } from '@buyonline/connect-api';
import pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import postgres, { type ReservedSql, type Sql } from 'postgres';
import type { PostgresSourceConfig } from '../config.ts';
import { classifyPgError } from '../pg-errors.ts';
import { qualified, quoteIdent } from '../sql-identifiers.ts';
import { bigIntToLsn, compareLsn, lsnToBigInt, normalizeLsn } from './lsn.ts';
import {
  checkLogicalReplicationPrerequisites,
  checkReplicaIdentity,
  ensurePublication,
  lostSlotMessage,
  SourcePositionLostError,
  slotLagBytes,
  slotState,
} from './slot-admin.ts';
import { ChangeRecords, type ChangeMeta, type Tuple } from './change-records.ts';
import { columnsFromRelation, type RelationMessage, TypeCatalog } from './relation-columns.ts';
import { SnapshotKeys } from './snapshot-keys.ts';
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

/** A source transaction without captured changes: its end can be confirmed once nothing is in flight. */
interface AckOnly {
  ackLsn: string;
}

type Queued = SourceRecord | AckOnly;

/** The source transaction being received. */
interface OpenSourceTransaction {
  xid: number;
  commitTime: bigint;
  /** Where its commit record starts (pgoutput Begin's final LSN). */
  commitLsn: string;
  /** Already in Kafka: its changes are dropped. */
  skip: boolean;
  /** Changes captured from it so far. */
  records: number;
  /** The position its records carry (segments as they stand for it). */
  offset: LogicalOffset;
  filtering: boolean;
}

/** pg-logical-replication's acknowledge(lsn) reports `lsn + 1` ("last byte received"): pass one less. */
function wireLsnFor(confirmed: string): string {
  const value = lsnToBigInt(confirmed);
  return bigIntToLsn(value > 0n ? value - 1n : 0n);
}

const TEXT_TYPE_OIDS = [16, 17, 20, 21, 23, 114, 700, 701, 1082, 1083, 1114, 1184, 1186, 1266, 1700, 2950, 3802];
const TEXT_ARRAY_OIDS = [1000, 1001, 1005, 1007, 1009, 1015, 1016, 1021, 1022, 1115, 1182, 1183, 1185, 1231, 2951, 199, 3807];

/** pgoutput values stay in PostgreSQL's text form: our own converters are exact, pg's are not. */
function keepTextValues(): void {
  for (const oid of [...TEXT_TYPE_OIDS, ...TEXT_ARRAY_OIDS]) pg.types.setTypeParser(oid, 'text', (v: string) => v);
}

/** How often a standby status update goes to the server (pg_recvlogical's default is 10 s). */
const STATUS_INTERVAL_MS = 5_000;

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
  /** Records (and ack-only marks) received from the WAL, not yet handed to the worker. */
  private queue: Queued[] = [];
  private head = 0;
  private queuedRecords = 0;
  /** Complete source transactions in the queue (their closing position record is queued). */
  private queuedEnds = 0;
  private current: OpenSourceTransaction | undefined;
  /** End LSN of the last transaction queued (re-deliveries that commit before it are dropped). */
  private handedLsn = '0/0';
  /** End LSN of the last transaction known to be in Kafka: where a restart of the stream resumes. */
  private committedLsn = '0/0';
  /** Highest LSN confirmed to PostgreSQL. */
  private ackedLsn = '0/0';
  /** The last record handed to the worker left its Kafka transaction open. */
  private handedOpen = false;
  private batchLsn: string | undefined;
  private keyColumns: string[] = [];
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly types = new TypeCatalog(() => this.sql as Sql);
  private records: ChangeRecords | undefined;
  private streamError: unknown;
  private wake: (() => void) | undefined;
  private drained: (() => void) | undefined;
  private lastActivity = 0;
  private lastLagCheck = 0;
  private segments: { above: string | null; upTo: string | null; visibility: SnapshotVisibility }[] = [];
  private readonly name: string;
  /** The key's order (PostgreSQL's): the snapshot's chunks and a resumed snapshot's ranges. */
  private readonly keys = new SnapshotKeys();

  constructor(
    private readonly config: PostgresSourceConfig,
    private readonly ctx: PluginContext,
  ) {
    this.name = `${config.table.schema}.${config.table.table}`;
  }

  async start(offsets: OffsetReader): Promise<void> {
    const { schema, table } = this.config.table;
    this.resetStream();
    this.position = undefined;
    this.segments = [];
    this.sql = postgres(this.config.url.reveal(), {
      max: 3,
      onnotice: () => undefined,
      connection: { application_name: 'buyonline-producer', ...SESSION },
      connect_timeout: 10,
    });
    try {
      await checkLogicalReplicationPrerequisites(this.sql);
      await ensurePublication(this.sql, this.config.publication, schema, table);
      const identityWarning = await checkReplicaIdentity(this.sql, schema, table, this.config.replicaIdentity);
      if (identityWarning) this.ctx.logger.warn({ table: this.name }, identityWarning);
      const columns = await describeColumns(this.sql, schema, table);
      this.shape = shapeTable(columns, productSchemaNames, this.config.excludeColumns, this.name);
      this.keyColumns = columns.filter((c) => c.isKey).map((c) => c.name);
      const [row] = await this.sql<{ db: string }[]>`select current_database() as db`;
      this.db = row?.db ?? '';
      this.partition = { db: this.db, table: this.name, slot: this.config.slot };
      this.records = new ChangeRecords(
        { topic: this.config.topic, partition: this.partition, db: this.db, schema, table, connector: 'postgres-logical' },
        () => this.ctx.now(),
      );
      const stored = offsets.offset(this.partition) as LogicalOffset | undefined;
      const state = await slotState(this.sql, this.config.slot);
      if (state?.walStatus === 'lost') throw new SourcePositionLostError(lostSlotMessage(this.config.slot, 'was invalidated by PostgreSQL (wal_status = lost)'));
      if (!state && stored) throw new SourcePositionLostError(lostSlotMessage(this.config.slot, `does not exist although a position was stored (LSN ${stored.lsn})`));
      if (!state) await this.beginExportedSnapshot();
      else if (!stored || stored.phase === 'snapshot') await this.beginResumedSnapshot(stored, state.confirmedFlushLsn ?? '0/0');
      else {
        this.position = stored;
        this.loadSegments(stored);
        // Resume from the position stored in Kafka, even when the slot was confirmed less far
        // (the acknowledgement did not reach PostgreSQL before a crash): nothing is produced twice.
        this.handedLsn = stored.lsn;
        this.committedLsn = stored.lsn;
        this.ackedLsn = normalizeLsn(state.confirmedFlushLsn ?? '0/0');
        await this.startStreaming();
        await this.acknowledge(stored.lsn);
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
    return this.keys.compare((this.shape as TableShape).keyColumn.info, a, b);
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    if (this.position?.phase === 'snapshot') return this.pollSnapshot();
    return this.pollStream(signal);
  }

  private async pollSnapshot(): Promise<SourceRecord[]> {
    const tx = this.snapshotTx as ReservedSql;
    const shape = this.shape as TableShape;
    const position = this.position as LogicalOffset;
    const { schema, table } = this.config.table;
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
      const order = await this.keys.describe(tx, schema, table, shape.keyColumn.info);
      // t.<key>, not <key>: the bare name would be the text output column, sorting "10" < "9".
      const chunk = this.keys.chunkQuery(order, qualified(schema, table), columns, quoteIdent(shape.keyColumn.info.name), position.last_key, this.config.snapshotChunkSize);
      rows = await tx.unsafe<Record<string, string | null>[]>(chunk.text, chunk.params);
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
      this.committedLsn = position.lsn;
      this.ackedLsn = position.lsn;
      this.ctx.logger.info({ lsn: position.lsn }, 'initial snapshot done; streaming from the slot');
      await this.startStreaming();
      // The phase change is stored at once (a position-only Kafka transaction), so a restart
      // streams from the slot instead of resuming a finished snapshot.
      return [{ ...this.positionRecord(this.position), positionOnly: true }];
    }
    const nowMicros = this.ctx.now() * 1000;
    const builder = this.records as ChangeRecords;
    const records = rows.map((row) => {
      const offset: LogicalOffset = { ...position, last_key: row[shape.keyColumn.info.name] ?? null };
      return builder.read(shape, row, offset, { txid: null, lsn: position.lsn, snapshot: true, tsUs: nowMicros });
    });
    this.position = records.at(-1)?.sourceOffset as LogicalOffset;
    this.ctx.metrics.count('source_snapshot_rows_total', records.length);
    return records;
  }

  /** A record that only carries a position (nothing is produced for it). */
  private positionRecord(offset: LogicalOffset): SourceRecord {
    const shape = this.shape as TableShape;
    return { topic: this.config.topic, sourcePartition: this.partition, sourceOffset: offset, keySchema: shape.keySchema, key: null, valueSchema: shape.valueSchema, value: null };
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
      if (shouldRespond) this.sendStatus(service);
    });
    service.on('error', (err: Error) => {
      this.streamError = err;
      this.wake?.();
    });
    this.service = service;
    this.streamError = undefined;
    this.lastActivity = this.ctx.now();
    // Standby status every few seconds, whatever the stream does: while a huge transaction streams
    // slowly the server's keepalive requests wait behind its data, and wal_sender_timeout would end
    // the connection. It repeats what is already confirmed, never more.
    clearInterval(this.statusTimer);
    this.statusTimer = setInterval(() => {
      if (this.service === service) this.sendStatus(service);
    }, STATUS_INTERVAL_MS);
    this.statusTimer.unref();
    const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [this.config.publication], messages: true });
    service.subscribe(plugin, this.config.slot, position.lsn).catch((err: unknown) => {
      this.streamError = err;
      this.wake?.();
    });
  }

  /** A standby status that repeats what is already confirmed (answers a keepalive, keeps the walsender from timing out). */
  private sendStatus(service: LogicalReplicationService): void {
    void service.acknowledge(wireLsnFor(this.ackedLsn)).catch(() => undefined);
  }

  private async onMessage(message: { tag: string } & Record<string, unknown>): Promise<void> {
    this.lastActivity = this.ctx.now();
    switch (message.tag) {
      case 'begin':
        this.onBegin(normalizeLsn(message.commitLsn as string), message.xid as number, message.commitTime as bigint);
        return;
      case 'relation':
        await this.onRelation(message as unknown as RelationMessage);
        return;
      case 'insert':
      case 'update':
      case 'delete':
        if (!this.isOurs(message.relation as RelationMessage)) return;
        await this.onChange(message.tag, (message.new as Tuple | undefined) ?? null, ((message.old ?? message.key) as Tuple | undefined) ?? null);
        return;
      case 'truncate':
        if (!(message.relations as RelationMessage[]).some((r) => this.isOurs(r))) return;
        await this.onTruncate();
        return;
      case 'commit':
        await this.onCommit(normalizeLsn(message.commitEndLsn as string));
        return;
      default:
        return; // 'message' (heartbeats, watermarks), 'type', 'origin'
    }
  }

  private isOurs(relation: RelationMessage | undefined): boolean {
    return relation?.schema === this.config.table.schema && relation.name === this.config.table.table;
  }

  private onBegin(commitLsn: string, xid: number, commitTime: bigint): void {
    // A transaction is in Kafka already when it committed before the end of the last one handed out.
    const skip = compareLsn(commitLsn, this.handedLsn) < 0;
    const position = this.position as LogicalOffset;
    const filtering = position.segments_until !== null && compareLsn(commitLsn, position.segments_until) < 0;
    if (!skip && !filtering && position.segments !== '[]') {
      this.position = { ...position, segments: '[]', segments_until: null };
      this.segments = [];
    }
    this.current = { xid, commitTime, commitLsn, skip, records: 0, offset: { ...(this.position as LogicalOffset), lsn: commitLsn }, filtering };
  }

  /** The columns the following rows were written with (not the live catalog: DDL may have run since). */
  private async onRelation(relation: RelationMessage): Promise<void> {
    if (!this.isOurs(relation)) return;
    if (!relation.columns.some((c) => this.keyColumns.includes(c.name))) {
      this.keyColumns = (await describeColumns(this.sql as Sql, this.config.table.schema, this.config.table.table)).filter((c) => c.isKey).map((c) => c.name);
    }
    const columns = await columnsFromRelation(relation, this.types, this.keyColumns);
    this.shape = shapeTable(columns, productSchemaNames, this.config.excludeColumns, this.name);
  }

  private meta(txn: OpenSourceTransaction): ChangeMeta {
    return { txid: txn.xid, lsn: txn.commitLsn, snapshot: false, tsUs: Number(txn.commitTime) };
  }

  private async onChange(tag: 'insert' | 'update' | 'delete', newTuple: Tuple | null, oldTuple: Tuple | null): Promise<void> {
    const txn = this.current;
    if (!txn || txn.skip) return;
    const shape = this.shape as TableShape;
    const builder = this.records as ChangeRecords;
    const keyText = (newTuple ?? oldTuple)?.[shape.keyColumn.info.name];
    if (txn.filtering && keyText != null) {
      // A key whose order only PostgreSQL knows (a linguistic collation) is compared there, once.
      const bounds = this.segments.flatMap((s) => [s.above, s.upTo]).filter((b): b is string => b !== null);
      await this.keys.resolve(this.sql as Sql, this.config.table.schema, this.config.table.table, shape.keyColumn.info, [keyText], bounds);
      if (this.seenBySnapshot(keyText, txn.xid)) return;
    }
    const meta = this.meta(txn);
    let records: SourceRecord[];
    if (tag === 'insert') records = builder.insert(shape, newTuple ?? {}, txn.offset, meta);
    else if (tag === 'update') records = builder.update(shape, oldTuple, newTuple ?? {}, txn.offset, meta);
    else records = builder.delete(shape, oldTuple ?? {}, txn.offset, meta);
    for (const record of records) await this.enqueue({ ...record, inTransaction: true });
    txn.records += records.length;
  }

  private async onTruncate(): Promise<void> {
    const txn = this.current;
    if (!txn || txn.skip) return;
    const record = (this.records as ChangeRecords).truncate(this.shape as TableShape, txn.offset, this.meta(txn));
    await this.enqueue({ ...record, inTransaction: true });
    txn.records++;
  }

  private async onCommit(endLsn: string): Promise<void> {
    const txn = this.current;
    this.current = undefined;
    if (!txn || txn.skip) return;
    this.handedLsn = endLsn;
    if (txn.records === 0) {
      await this.enqueue({ ackLsn: endLsn });
      return;
    }
    // The transaction's position goes with its last record: a marker that closes it.
    this.queuedEnds++;
    await this.enqueue({ ...this.positionRecord({ ...txn.offset, lsn: endLsn }), positionOnly: true });
  }

  /** Queues what the WAL gave; waits (pausing the stream) while the worker is far behind. */
  private async enqueue(item: Queued): Promise<void> {
    this.queue.push(item);
    if (!('ackLsn' in item)) this.queuedRecords++;
    this.wake?.();
    if (this.queuedRecords > this.config.batchSize * 4) {
      await new Promise<void>((resolve) => (this.drained = resolve));
    }
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
      throw new ConnectionError(`replication stream failed: ${describeError(err)}; reconnecting from ${this.committedLsn}`, { cause: err });
    }
    await this.checkSlot();
    if (this.head >= this.queue.length) {
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
    if (this.head >= this.queue.length) {
      await this.maybeHeartbeat();
      return [];
    }
    const out: SourceRecord[] = [];
    while (this.head < this.queue.length && out.length < this.config.batchSize) {
      const item = this.queue[this.head++] as Queued;
      if ('ackLsn' in item) {
        // Nothing captured in that transaction: confirm it now if nothing is in flight, else with this batch.
        if (out.length === 0 && !this.handedOpen) await this.acknowledge(item.ackLsn);
        else this.batchLsn = item.ackLsn;
        continue;
      }
      this.queuedRecords--;
      out.push(item);
      if (item.positionOnly) {
        this.queuedEnds--;
        this.batchLsn = (item.sourceOffset as LogicalOffset).lsn;
        // Do not open the next transaction in this batch unless it is complete: the closed ones commit now.
        if (this.queuedEnds === 0 && this.current !== undefined) break;
      }
    }
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (out.length > 0) this.handedOpen = out.at(-1)?.inTransaction === true;
    if (this.queuedRecords <= this.config.batchSize) {
      this.drained?.();
      this.drained = undefined;
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

  private resetStream(): void {
    this.drained?.();
    this.drained = undefined;
    this.queue = [];
    this.head = 0;
    this.queuedRecords = 0;
    this.queuedEnds = 0;
    this.current = undefined;
    this.handedOpen = false;
    this.batchLsn = undefined;
  }

  /** After a stream failure: everything not yet in Kafka is read again from the WAL. */
  private async restartStream(): Promise<void> {
    await this.service?.stop().catch(() => undefined);
    this.service = undefined;
    this.resetStream();
    this.handedLsn = this.committedLsn;
    this.position = { ...(this.position as LogicalOffset), lsn: this.committedLsn };
    await this.startStreaming();
  }

  /** Confirms to PostgreSQL that everything before `lsn` (a commit's end) is in Kafka: exactly there, never past it. */
  private async acknowledge(lsn: string): Promise<void> {
    if (compareLsn(lsn, this.committedLsn) > 0) this.committedLsn = lsn;
    if (compareLsn(lsn, this.ackedLsn) <= 0) return;
    await this.service?.acknowledge(wireLsnFor(lsn));
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
    clearInterval(this.statusTimer);
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

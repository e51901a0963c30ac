import { LogicalReplicationService } from 'pg-logical-replication';
import { SESSION } from '../pg-text.ts';
import { bigIntToLsn, compareLsn, lsnToBigInt, normalizeLsn } from './lsn.ts';
import { pgoutputTextPlugin } from './pgoutput-decoder.ts';
import { WalOrder } from './wal-order.ts';

/** pg-logical-replication's acknowledge(lsn) reports `lsn + 1` ("last byte received"): pass one less. */
export function wireLsnFor(confirmed: string): string {
  const value = lsnToBigInt(confirmed);
  return bigIntToLsn(value > 0n ? value - 1n : 0n);
}

/** How often a standby status update goes to the server (pg_recvlogical's default is 10 s). */
const STATUS_INTERVAL_MS = 5_000;

/**
 * The socket under the library's connection (as its own flow control pauses it): paused while our
 * chain holds many messages, so a slow downstream holds the server back instead of memory filling.
 */
function socketOf(service: LogicalReplicationService): { pause(): void; resume(): void } | undefined {
  return (service as unknown as { _connection?: { stream?: { pause(): void; resume(): void } } | null })._connection?.stream;
}

/** A decoded pgoutput message (PgoutputMessage), every column value still PostgreSQL's text. */
export type WalMessage = { tag: string } & Record<string, unknown>;

export interface WalStreamOptions {
  url: string;
  slot: string;
  publication: string;
  /** Protocol 2 with `streaming 'on'` (PostgreSQL 14+, decided by the caller). */
  streaming?: boolean;
  /** More session settings of the replication connection (e.g. logical_decoding_work_mem). */
  settings?: Readonly<Record<string, string>>;
  /** Each decoded message, in WAL order, with the WAL position it was sent at (a streamed change's own); the stream waits while the returned promise is pending. */
  onMessage: (message: WalMessage, lsn: string) => Promise<void>;
  onError: (err: unknown) => void;
  /**
   * A primary keepalive's WAL end, once every message before it was handled: the server has
   * nothing to send before that position (confirmable when nothing captured is pending).
   */
  onKeepalive?: (walEnd: string) => Promise<void> | void;
}

/**
 * The slot's pgoutput stream: messages and keepalives in WAL order, and the confirmed position
 * reported back to PostgreSQL — a commit's end, or a keepalive's WAL end while nothing captured is
 * pending; never past what is in Kafka. A standby status goes out every
 * few seconds whatever the stream does: while a huge transaction streams slowly the server's
 * keepalive requests wait behind its data, and wal_sender_timeout would end the connection.
 */
export class WalStream {
  private service: LogicalReplicationService | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  /** Highest LSN confirmed to PostgreSQL. */
  private acked = '0/0';

  constructor(private readonly options: WalStreamOptions) {}

  get ackedLsn(): string {
    return this.acked;
  }

  /**
   * Starts streaming the changes that commit after `fromLsn` (which may lie past what the slot
   * confirmed: what was handed to Kafka and is still committing); `ackedLsn` is what the slot
   * already confirmed. The first failure ends the delivery of messages: `onError` once.
   */
  start(fromLsn: string, ackedLsn: string): void {
    this.acked = ackedLsn;
    // The library's flow control is off: it then emits data and keepalives as they arrive, in
    // WAL order, and our own chain handles them in that order (its flow control let keepalives
    // overtake the data still queued: a keepalive's position confirmed before that data was handled).
    const service = new LogicalReplicationService(
      { connectionString: this.options.url, options: Object.entries({ ...SESSION, ...this.options.settings }).map(([k, v]) => `-c ${k}=${v}`).join(' ') },
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: false } },
    );
    // After the first failure nothing more is handed on: a transaction missing a change must never look complete.
    let failed = false;
    const fail = (err: unknown) => {
      if (failed || this.service !== service) return;
      failed = true;
      order.close();
      this.options.onError(err);
    };
    const order = new WalOrder<WalMessage>({
      handle: (event) => {
        if (failed || this.service !== service) return;
        if (event.kind === 'data') return this.options.onMessage(event.message, event.lsn);
        return this.options.onKeepalive?.(event.walEnd);
      },
      onError: fail,
      pause: () => socketOf(service)?.pause(),
      resume: () => socketOf(service)?.resume(),
    });
    service.on('data', (lsn: string, message: WalMessage) => order.push({ kind: 'data', message, lsn }));
    service.on('heartbeat', (lsn: string, _ts: number, shouldRespond: boolean) => {
      order.push({ kind: 'keepalive', walEnd: normalizeLsn(lsn) });
      if (shouldRespond) this.sendStatus(service);
    });
    service.on('error', fail);
    this.service = service;
    clearInterval(this.statusTimer);
    this.statusTimer = setInterval(() => {
      if (this.service === service) this.sendStatus(service);
    }, STATUS_INTERVAL_MS);
    this.statusTimer.unref();
    // Our own decoder: values stay PostgreSQL's text (the driver's type parsers never see them).
    const plugin = pgoutputTextPlugin({ publication: this.options.publication, messages: true, streaming: this.options.streaming ?? false });
    service.subscribe(plugin, this.options.slot, fromLsn).catch(fail);
  }

  /** A standby status that repeats what is already confirmed (answers a keepalive, keeps the walsender from timing out). */
  private sendStatus(service: LogicalReplicationService): void {
    void service.acknowledge(wireLsnFor(this.acked)).catch(() => undefined);
  }

  /** Asks the server for a keepalive now (a status update that requests a reply): it tells how far the stream got, in WAL order. */
  requestKeepalive(): void {
    const service = this.service;
    if (service) void service.acknowledge(wireLsnFor(this.acked), true).catch(() => undefined);
  }

  /** Confirms that everything before `lsn` (a commit's end) is in Kafka. */
  async acknowledge(lsn: string): Promise<void> {
    if (compareLsn(lsn, this.acked) <= 0) return;
    await this.service?.acknowledge(wireLsnFor(lsn));
    this.acked = lsn;
  }

  async stop(): Promise<void> {
    clearInterval(this.statusTimer);
    const service = this.service;
    this.service = undefined;
    await service?.stop().catch(() => undefined);
  }
}

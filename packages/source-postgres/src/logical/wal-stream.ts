import pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import { SESSION } from '../pg-text.ts';
import { bigIntToLsn, compareLsn, lsnToBigInt } from './lsn.ts';


/** pg-logical-replication's acknowledge(lsn) reports `lsn + 1` ("last byte received"): pass one less. */
export function wireLsnFor(confirmed: string): string {
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

export type WalMessage = { tag: string } & Record<string, unknown>;

export interface WalStreamOptions {
  url: string;
  slot: string;
  publication: string;
  /** Each decoded message, in WAL order; the stream waits while the returned promise is pending. */
  onMessage: (message: WalMessage) => Promise<void>;
  onError: (err: unknown) => void;
}

/**
 * The slot's pgoutput stream: messages in WAL order, and the confirmed position reported back to
 * PostgreSQL — exactly a commit's end, never past what is in Kafka. A standby status goes out every
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

  /** Starts streaming the changes that commit after `fromLsn`; `ackedLsn` is what the slot already confirmed. */
  start(fromLsn: string, ackedLsn: string): void {
    keepTextValues();
    this.acked = ackedLsn;
    const service = new LogicalReplicationService(
      { connectionString: this.options.url, options: Object.entries(SESSION).map(([k, v]) => `-c ${k}=${v}`).join(' ') },
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
    );
    service.on('data', (_lsn: string, message: WalMessage) => this.options.onMessage(message));
    service.on('heartbeat', (_lsn: string, _ts: number, shouldRespond: boolean) => {
      if (shouldRespond) this.sendStatus(service);
    });
    service.on('error', (err: Error) => this.options.onError(err));
    this.service = service;
    clearInterval(this.statusTimer);
    this.statusTimer = setInterval(() => {
      if (this.service === service) this.sendStatus(service);
    }, STATUS_INTERVAL_MS);
    this.statusTimer.unref();
    const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [this.options.publication], messages: true });
    service.subscribe(plugin, this.options.slot, fromLsn).catch((err: unknown) => this.options.onError(err));
  }

  /** A standby status that repeats what is already confirmed (answers a keepalive, keeps the walsender from timing out). */
  private sendStatus(service: LogicalReplicationService): void {
    void service.acknowledge(wireLsnFor(this.acked)).catch(() => undefined);
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

import type { PluginContext } from '@buyonline/connect-api';
import type { Sql } from 'postgres';
import { classifyPgError } from '../pg-errors.ts';
import { lostSlotMessage, SourcePositionLostError, slotLagBytes } from './slot-admin.ts';

export interface SlotMonitorOptions {
  slot: string;
  checkIntervalMs: number;
  lagWarnBytes: number;
  heartbeatIntervalMs: number;
  /** Write a heartbeat message into the WAL when idle (an option: keepalives advance the slot without writing). */
  writeHeartbeats: boolean;
}

/**
 * Watches the slot while streaming: its lag (a metric, and a warning past the limit), that it
 * still exists and is not invalidated, and — only when write heartbeats are switched on and the
 * captured tables are idle — writes a heartbeat into the WAL. Without them an idle slot advances
 * by the server's keepalives (the task confirms their position when nothing captured is pending).
 */
export class SlotMonitor {
  private lastCheck = 0;
  private lastActivity = 0;

  constructor(
    private readonly options: SlotMonitorOptions,
    private readonly ctx: PluginContext,
  ) {}

  /** Something arrived from the stream: no heartbeat needed for a while. */
  touch(): void {
    this.lastActivity = this.ctx.now();
  }

  async check(sql: Sql): Promise<void> {
    if (this.ctx.now() - this.lastCheck < this.options.checkIntervalMs) return;
    this.lastCheck = this.ctx.now();
    const { slot } = this.options;
    const lag = await slotLagBytes(sql, slot).catch((err: unknown) => {
      throw classifyPgError(err, `slot ${slot}`);
    });
    if (!lag) throw new SourcePositionLostError(lostSlotMessage(slot, 'disappeared while streaming'));
    if (lag.walStatus === 'lost') throw new SourcePositionLostError(lostSlotMessage(slot, 'was invalidated by PostgreSQL (wal_status = lost)'));
    this.ctx.metrics.gauge('source_slot_lag_bytes', lag.lag, { slot });
    this.ctx.metrics.gauge('source_slot_lag_seconds', lag.lagSeconds, { slot });
    this.ctx.status?.report('slot', slot, { lagBytes: lag.lag, lagSeconds: lag.lagSeconds });
    if (lag.lag > this.options.lagWarnBytes) {
      this.ctx.logger.warn({ slot, lagBytes: lag.lag, limit: this.options.lagWarnBytes }, 'replication slot lag is past its limit: WAL is piling up');
    }
  }

  /** With write heartbeats on, and idle for the heartbeat interval: writes a WAL message (the slot then advances past it). */
  async heartbeatIfIdle(sql: Sql): Promise<void> {
    if (!this.options.writeHeartbeats) return;
    if (this.ctx.now() - this.lastActivity < this.options.heartbeatIntervalMs) return;
    this.lastActivity = this.ctx.now();
    try {
      await sql`select pg_logical_emit_message(true, 'buyonline-heartbeat', now()::text)`;
      this.ctx.metrics.count('source_heartbeats_total');
    } catch (err) {
      throw classifyPgError(err, `slot ${this.options.slot}`);
    }
  }
}

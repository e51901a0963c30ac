import type { StatusFields, StatusReporter, StatusUnitKind } from '@buyonline/connect-api';
import { ProgressMeter, type ProgressView } from './progress.ts';

/** One unit as `status` shows it: what its task reported, with progress (rate, ETA) worked out. */
export interface StatusUnitView extends Omit<StatusFields, 'done' | 'total' | 'lastCommitAt'> {
  kind: StatusUnitKind;
  name: string;
  progress?: ProgressView;
  /** ISO time of the last Kafka commit. */
  lastCommitAt?: string;
  /** Seconds since then. */
  lastCommitAgeSeconds?: number;
}

/** What `GET /status` answers and `status` renders. */
export interface StatusView {
  app: string;
  /** ok, starting, retrying, stalled, degraded (as /health says). */
  status: string;
  /** ISO time of the answer. */
  at: string;
  units: StatusUnitView[];
}

interface Unit {
  kind: StatusUnitKind;
  name: string;
  fields: StatusFields;
  progress: ProgressMeter | undefined;
}

/**
 * The status reporter the apps hand to tasks and workers (`ctx.status`): it keeps the latest
 * fields of every unit, and a progress meter for those that report done/total.
 */
export class StatusBoard implements StatusReporter {
  private readonly units = new Map<string, Unit>();

  constructor(
    private readonly app: string,
    private readonly now: () => number = Date.now,
  ) {}

  report(kind: StatusUnitKind, name: string, fields: StatusFields): void {
    const key = `${kind}\u0000${name}`;
    let unit = this.units.get(key);
    if (!unit) {
      unit = { kind, name, fields: {}, progress: undefined };
      this.units.set(key, unit);
    }
    Object.assign(unit.fields, fields);
    if (fields.done !== undefined) {
      unit.progress ??= new ProgressMeter(this.now);
      unit.progress.update(fields.done, fields.total);
    } else if (fields.total !== undefined && unit.progress) unit.progress.update(unit.fields.done ?? 0, fields.total);
  }

  /** The progress of one unit (for a progress bar); undefined when it reported none. */
  progressOf(kind: StatusUnitKind, name: string): ProgressView | undefined {
    return this.units.get(`${kind}\u0000${name}`)?.progress?.view();
  }

  /** The units of a kind that report progress, by name. */
  progressUnits(kind: StatusUnitKind): { name: string; phase: string | undefined; progress: ProgressView }[] {
    const out: { name: string; phase: string | undefined; progress: ProgressView }[] = [];
    for (const unit of this.units.values()) {
      if (unit.kind === kind && unit.progress) out.push({ name: unit.name, phase: unit.fields.phase, progress: unit.progress.view() });
    }
    return out;
  }

  view(status: string): StatusView {
    const now = this.now();
    const units = [...this.units.values()].map((unit): StatusUnitView => {
      const { done: _done, total: _total, lastCommitAt, ...rest } = unit.fields;
      const view: StatusUnitView = { kind: unit.kind, name: unit.name, ...rest };
      if (unit.progress) view.progress = unit.progress.view();
      if (lastCommitAt !== undefined) {
        view.lastCommitAt = new Date(lastCommitAt).toISOString();
        view.lastCommitAgeSeconds = Math.max(0, (now - lastCommitAt) / 1000);
      }
      return view;
    });
    const order: Record<StatusUnitKind, number> = { kafka: 0, stream: 1, slot: 2, table: 3, partition: 4 };
    units.sort((a, b) => order[a.kind] - order[b.kind] || a.name.localeCompare(b.name, 'en', { numeric: true }));
    return { app: this.app, status, at: new Date(now).toISOString(), units };
  }
}

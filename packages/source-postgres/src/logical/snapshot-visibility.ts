/**
 * A PostgreSQL snapshot as `pg_current_snapshot()` prints it (`xmin:xmax:xip1,xip2`, xid8
 * values), answering "was transaction X committed before this snapshot was taken?" for the
 * 32-bit xids that pgoutput reports (compared modulo 2^32, as PostgreSQL does).
 */
export class SnapshotVisibility {
  private readonly xmin: number;
  private readonly xmax: number;
  private readonly inProgress: Set<number>;

  constructor(readonly text: string) {
    const [xmin, xmax, xip = ''] = text.split(':');
    if (xmin === undefined || xmax === undefined) throw new RangeError(`not a snapshot: ${text}`);
    this.xmin = Number(BigInt(xmin) & 0xffffffffn);
    this.xmax = Number(BigInt(xmax) & 0xffffffffn);
    this.inProgress = new Set(xip ? xip.split(',').map((x) => Number(BigInt(x) & 0xffffffffn)) : []);
  }

  /** True when the transaction had committed (or aborted) before the snapshot: its effects are in it. */
  sees(xid: number): boolean {
    if (precedes(xid, this.xmin)) return true;
    if (!precedes(xid, this.xmax)) return false;
    return !this.inProgress.has(xid);
  }
}

/** a < b in PostgreSQL's circular 32-bit xid space. */
function precedes(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/**
 * Replica lag from Litestream's own metrics: its shadow WAL position (what it has copied out
 * of SQLite's WAL) against the replica's (what the replica holds). The lag in seconds is how
 * long the replica has been behind a position the shadow WAL had reached; 0 when caught up.
 * Sampled, so it is as fine as the sampling period (1 s, Litestream's sync interval).
 */

export interface WalPosition {
  index: number;
  offset: number;
}

export interface LitestreamPositions {
  shadow: WalPosition;
  replica: WalPosition;
}

/** Reads the positions out of Litestream's Prometheus text; undefined when it has not synced yet. */
export function parsePositions(metrics: string): LitestreamPositions | undefined {
  const value = (name: string) => {
    const m = new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, "m").exec(metrics);
    return m ? Number(m[1]) : undefined;
  };
  const si = value("litestream_shadow_wal_index");
  const ss = value("litestream_shadow_wal_size");
  const ri = value("litestream_replica_wal_index");
  const ro = value("litestream_replica_wal_offset");
  if ([si, ss, ri, ro].some((v) => v === undefined || Number.isNaN(v))) return undefined;
  return { shadow: { index: si!, offset: ss! }, replica: { index: ri!, offset: ro! } };
}

function before(a: WalPosition, b: WalPosition): boolean {
  return a.index < b.index || (a.index === b.index && a.offset < b.offset);
}

/** Keeps (time, shadow position) samples until the replica passes them. */
export class ReplicaLag {
  private pending: { atMs: number; position: WalPosition }[] = [];

  /** Records one sample; returns the lag in seconds. */
  observe(p: LitestreamPositions, nowMs: number): number {
    const last = this.pending[this.pending.length - 1];
    if (before(p.replica, p.shadow) && (!last || before(last.position, p.shadow))) this.pending.push({ atMs: nowMs, position: p.shadow });
    while (this.pending.length > 0 && !before(p.replica, this.pending[0]!.position)) this.pending.shift();
    return this.pending.length === 0 ? 0 : (nowMs - this.pending[0]!.atMs) / 1000;
  }
}

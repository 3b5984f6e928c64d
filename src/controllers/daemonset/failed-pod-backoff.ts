/**
 * Back-off between replacements of failed daemon pods on one node (failedPodsBackoff: 1 s
 * doubling to 15 min). A kubelet that rejects a pod (say, a host port taken) would otherwise
 * have the controller and kubelet fight in a hot loop.
 */
const INITIAL_MS = 1000;
const MAX_MS = 15 * 60_000;

export class FailedPodBackoff {
  private readonly entries = new Map<string, { delayMs: number; at: number }>();

  inBackoff(key: string, now: Date): boolean {
    return this.remaining(key, now) !== undefined;
  }

  /** Ms left of the key's back-off, undefined when it is not backing off. */
  remaining(key: string, now: Date): number | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    const left = e.at + e.delayMs - now.getTime();
    return left > 0 ? left : undefined;
  }

  /** Records a replacement: the first waits 1 s, each one soon after doubles it; a quiet spell resets it. */
  next(key: string, now: Date): void {
    const e = this.entries.get(key);
    const t = now.getTime();
    const delayMs = !e || t - e.at > 2 * MAX_MS ? INITIAL_MS : Math.min(e.delayMs * 2, MAX_MS);
    this.entries.set(key, { delayMs, at: t });
  }

  /** Drops every entry of a DaemonSet that is gone. */
  forget(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(`${prefix}/`)) this.entries.delete(k);
  }
}

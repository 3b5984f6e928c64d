/**
 * A work queue of keys with de-duplication and per-key exponential back-off, as client-go's
 * rate-limited queue: a key is never processed by two workers at once, a key added while it
 * is being processed is processed again afterwards, and failures retry with back-off.
 */
export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
}

export class WorkQueue {
  private queue: string[] = [];
  private queued = new Set<string>();
  private processing = new Set<string>();
  private dirty = new Set<string>();
  private failures = new Map<string, number>();
  private waiters: (() => void)[] = [];
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly base: number;
  private readonly max: number;
  private stopped = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.base = opts.baseDelayMs ?? 5;
    this.max = opts.maxDelayMs ?? 60_000;
    opts.signal?.addEventListener("abort", () => this.stop(), { once: true });
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.waiters.shift()?.();
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, ms);
    this.timers.add(t);
  }

  /** Retry with exponential back-off. */
  requeueRateLimited(key: string): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.addAfter(key, Math.min(this.max, this.base * 2 ** (n - 1)));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Next key, or undefined once stopped. */
  async get(): Promise<string | undefined> {
    while (!this.stopped && this.queue.length === 0) await new Promise<void>((r) => this.waiters.push(r));
    if (this.stopped) return undefined;
    const key = this.queue.shift()!;
    this.queued.delete(key);
    this.processing.add(key);
    return key;
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    for (const w of this.waiters.splice(0)) w();
  }
}

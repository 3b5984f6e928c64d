/**
 * A work queue of keys with de-duplication and per-key exponential back-off, as client-go's
 * rate-limited delaying queue:
 * - a key waiting in the queue is queued once, however often it is added;
 * - a key being processed (between `get` and `done`) is never handed to a second worker; if it
 *   is added meanwhile, it is processed again after `done`;
 * - `requeueRateLimited` retries after base × 2^(failures-1) ms, capped at max, until `forget`;
 * - `addAfter` for a key already waiting keeps the earlier time, so periodic re-checks and
 *   retries of one key never pile up timers.
 *
 * @example
 *   const q = new WorkQueue({ signal });
 *   informer.addHandler({ onChange: (o) => q.add(keyOf(o)) });
 *   for (let key; (key = await q.get()) !== undefined; ) {
 *     try { await reconcile(key); q.forget(key); } catch { q.requeueRateLimited(key); } finally { q.done(key); }
 *   }
 */
export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Timers and time; a test hands in a fake clock. */
  clock?: QueueClock;
  /**
   * Hands out keys of higher priority first, first in first out among equals (the scheduler's
   * active queue: pods by spec.priority). Read when a key is queued.
   */
  priority?: (key: string) => number;
}

export interface QueueClock {
  nowMs(): number;
  /** Runs fn after ms; returns a cancel function. */
  schedule(fn: () => void, ms: number): () => void;
}

const realClock: QueueClock = {
  nowMs: () => Date.now(),
  schedule(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export class WorkQueue {
  /** Keys ready, by priority (one bucket, 0, without a priority function). */
  private buckets = new Map<number, string[]>();
  /** The priorities that have a bucket, highest first. */
  private levels: number[] = [];
  private ready = 0;
  private queued = new Set<string>();
  private processing = new Set<string>();
  private dirty = new Set<string>();
  private failures = new Map<string, number>();
  private waiting = new Map<string, { at: number; cancel: () => void }>();
  private waiters: (() => void)[] = [];
  private readonly base: number;
  private readonly max: number;
  private readonly clock: QueueClock;
  private readonly priority?: (key: string) => number;
  private stopped = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.base = opts.baseDelayMs ?? 5;
    this.max = opts.maxDelayMs ?? 60_000;
    this.clock = opts.clock ?? realClock;
    this.priority = opts.priority;
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
    const level = this.priority?.(key) ?? 0;
    let bucket = this.buckets.get(level);
    if (!bucket) {
      this.buckets.set(level, (bucket = []));
      this.levels.push(level);
      this.levels.sort((a, b) => b - a);
    }
    bucket.push(key);
    this.ready++;
    this.waiters.shift()?.();
  }

  /** Adds the key after ms; a key already waiting keeps whichever time comes first. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.nowMs() + ms;
    const prev = this.waiting.get(key);
    if (prev && prev.at <= at) return;
    prev?.cancel();
    const cancel = this.clock.schedule(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, cancel });
  }

  /** Retry with exponential back-off: base × 2^(failures-1) ms, capped at max. */
  requeueRateLimited(key: string): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.addAfter(key, this.backoffMs(n));
  }

  /** How many times the key was retried since it last succeeded (`forget`). */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The key succeeded: its next failure starts the back-off from the base again. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Keys ready to be handed out now (not those processing or waiting for a timer). */
  get length(): number {
    return this.ready;
  }

  /** Next key, or undefined once stopped. Call `done(key)` when finished with it. */
  async get(): Promise<string | undefined> {
    while (!this.stopped && this.ready === 0) await new Promise<void>((r) => this.waiters.push(r));
    if (this.stopped) return undefined;
    const level = this.levels[0]!;
    const bucket = this.buckets.get(level)!;
    const key = bucket.shift()!;
    if (bucket.length === 0) {
      this.buckets.delete(level);
      this.levels.shift();
    }
    this.ready--;
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
    for (const w of this.waiting.values()) w.cancel();
    this.waiting.clear();
    for (const w of this.waiters.splice(0)) w();
  }

  private backoffMs(failures: number): number {
    // 2 ** 1024 is Infinity; min() caps it either way, the exponent bound keeps it a number.
    return Math.min(this.max, this.base * 2 ** Math.min(failures - 1, 62));
  }
}

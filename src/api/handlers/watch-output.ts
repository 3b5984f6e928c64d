/**
 * The buffered output of one watch, and the budget all watches share.
 *
 * A watch's events are produced when the store commits, not when its client reads; what the
 * client has not read yet waits here. Kubernetes' watch cache gives each watcher a bounded
 * buffer and closes a watcher that stays behind ("Forcing watcher close due to
 * unresponsiveness"); the client re-watches from the last resourceVersion it saw. The same
 * here, in bytes: a watcher whose unread output passes `perWatcherBytes` is closed, and when
 * all watchers' unread output together passes `totalBytes`, the ones furthest behind are
 * closed until it fits. The total counts memory: an encoded line that several watchers share
 * (JSON watchers get the same bytes) counts once, while each watcher's own bound counts every
 * line it holds. The initial state of a watch is rendered only as the client reads it, so a
 * large list costs a slow client time, not server memory.
 *
 * The transport may take the output as a push body (http/push-body.ts): lines then go from
 * `push` straight to the connection, with no web stream in between; the unread queue, the
 * bounds and the lazy initial state work the same, with the socket's back-pressure in place of
 * the reader's pace.
 */
import { markPushBody, type PushSink, type PushSource } from "../../http/push-body.ts";

export interface WatchBudgetLimits {
  /** Unread bytes one watcher may hold. */
  perWatcherBytes: number;
  /** Unread bytes all watchers together may hold. */
  totalBytes: number;
}

export const DEFAULT_WATCH_LIMITS: WatchBudgetLimits = { perWatcherBytes: 8 * 1024 * 1024, totalBytes: 256 * 1024 * 1024 };

export class WatchBudget {
  private used = 0;
  private readonly outputs = new Set<WatchOutput>();
  /** How many queue slots hold each chunk; the bytes count once while any does. */
  private readonly holders = new Map<Uint8Array, number>();
  /** Watchers closed for falling behind, since start (for metrics and tests). */
  closedForLag = 0;

  constructor(public limits: WatchBudgetLimits = { ...DEFAULT_WATCH_LIMITS }) {}

  get usedBytes(): number {
    return this.used;
  }

  get watchers(): number {
    return this.outputs.size;
  }

  /** @internal */ join(o: WatchOutput): void {
    this.outputs.add(o);
  }

  /** @internal */ leave(o: WatchOutput): void {
    this.outputs.delete(o);
  }

  /** @internal A watcher holds this chunk (once per time it is queued). */
  hold(chunk: Uint8Array): void {
    const n = this.holders.get(chunk) ?? 0;
    if (n === 0) this.used += chunk.byteLength;
    this.holders.set(chunk, n + 1);
  }

  /** @internal */ release(chunk: Uint8Array): void {
    const n = this.holders.get(chunk) ?? 0;
    if (n <= 1) {
      this.holders.delete(chunk);
      if (n === 1) this.used -= chunk.byteLength;
    } else {
      this.holders.set(chunk, n - 1);
    }
  }

  /** @internal Closes the watchers furthest behind until the total fits. */
  enforce(): void {
    while (this.used > this.limits.totalBytes && this.outputs.size > 0) {
      let worst: WatchOutput | undefined;
      for (const o of this.outputs) if (!worst || o.bufferedBytes > worst.bufferedBytes) worst = o;
      if (!worst || worst.bufferedBytes === 0) return;
      worst.closeForLag();
    }
  }
}

/** One process, one budget: every watch served by this server draws from it. */
export const watchBudget = new WatchBudget();

export class WatchOutput implements PushSource {
  readonly stream: ReadableStream<Uint8Array>;
  /** The connection, once the transport took the output as a push body. */
  private sink?: PushSink;
  /** The sink said it is backed up: queue until it resumes. */
  private blocked = false;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Unread chunks from `head` on (an array with a moving head: shift() would be O(n) per read). */
  private queue: Uint8Array[] = [];
  private head = 0;
  private bytes = 0;
  private initial?: Iterator<Uint8Array>;
  private waiting = false;
  private closed = false;
  /** While true, the history replay of a resumed watch is arriving: no per-watcher bound yet. */
  private replaying = false;
  /** Bytes of that replay still unread: lag is measured beyond them. */
  private allowance = 0;

  /** `onClose` runs once, however the output ends (client gone, lag, timeout); `onLag` first when for lag. */
  constructor(
    private readonly budget: WatchBudget,
    private readonly onClose: () => void,
    private readonly onLag?: (bufferedBytes: number) => void,
  ) {
    // highWaterMark 0: nothing is pulled ahead of the reader, so every unread byte is in `queue`.
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.controller = c;
        },
        pull: () => this.pull(),
        cancel: () => this.close(),
      },
      { highWaterMark: 0 },
    );
    markPushBody(this.stream, this);
    budget.join(this);
  }

  attach(sink: PushSink): () => void {
    this.sink = sink;
    this.waiting = false;
    // Closed before the transport came for it: the response still has to end.
    if (this.closed) sink.end();
    else this.drainToSink();
    return () => {
      this.blocked = false;
      this.drainToSink();
    };
  }

  get bufferedBytes(): number {
    return this.bytes;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Lines rendered only when the reader asks; they go out before anything pushed later. */
  setInitial(lines: Iterator<Uint8Array>): void {
    this.initial = lines;
    if (this.sink) this.drainToSink();
    else if (this.waiting) this.pull();
  }

  /**
   * A resumed watch first gets the store's history since its resourceVersion, all at once.
   * That burst is bounded by the history, not by the client's pace, so it is admitted whole
   * (the total budget still applies) and only what piles up beyond it counts as lag.
   */
  beginReplay(): void {
    this.replaying = true;
  }

  endReplay(): void {
    if (!this.replaying) return;
    this.replaying = false;
    this.allowance = this.bytes;
  }

  push(chunk: Uint8Array): void {
    if (this.closed) return;
    if (this.sink) {
      if (!this.blocked && !this.initial && this.head === this.queue.length) {
        this.blocked = !this.sink.write(chunk);
        return;
      }
    } else if (this.waiting && !this.initial && this.head === this.queue.length) {
      this.waiting = false;
      this.controller.enqueue(chunk);
      return;
    }
    this.queue.push(chunk);
    this.bytes += chunk.byteLength;
    this.budget.hold(chunk);
    if (!this.replaying && this.bytes > this.budget.limits.perWatcherBytes + this.allowance) return this.closeForLag();
    this.budget.enforce();
  }

  /** Ends the stream after what is already queued. */
  end(): void {
    if (this.closed) return;
    if (this.head === this.queue.length && !this.initial) return this.close();
    this.endAfterQueue = true;
    if (this.sink && !this.blocked) this.drainToSink();
  }

  private endAfterQueue = false;

  /** Drops what is unread and ends the stream: the client re-watches from its last resourceVersion. */
  closeForLag(): void {
    if (this.closed) return;
    this.budget.closedForLag++;
    this.onLag?.(this.bytes);
    this.initial = undefined;
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.budget.leave(this);
    for (let i = this.head; i < this.queue.length; i++) this.budget.release(this.queue[i]!);
    this.queue = [];
    this.head = 0;
    this.bytes = 0;
    try {
      this.controller.close();
    } catch {}
    this.sink?.end();
    this.onClose();
  }

  private pull(): void {
    if (this.closed) return;
    if (this.initial) {
      const next = this.initial.next();
      if (!next.done) {
        this.waiting = false;
        this.controller.enqueue(next.value);
        return;
      }
      this.initial = undefined;
    }
    const chunk = this.take();
    if (!chunk) {
      if (this.endAfterQueue) return this.close();
      this.waiting = true;
      return;
    }
    this.waiting = false;
    this.bytes -= chunk.byteLength;
    this.allowance = Math.max(0, this.allowance - chunk.byteLength);
    this.budget.release(chunk);
    this.controller.enqueue(chunk);
  }

  /** Writes what waits (initial state first, then the queue) until the sink backs up. */
  private drainToSink(): void {
    const sink = this.sink!;
    while (!this.closed && !this.blocked) {
      let chunk: Uint8Array | undefined;
      if (this.initial) {
        const next = this.initial.next();
        if (next.done) this.initial = undefined;
        else chunk = next.value;
      }
      if (!chunk && !this.initial) {
        chunk = this.take();
        if (!chunk) {
          if (this.endAfterQueue) this.close();
          return;
        }
        this.bytes -= chunk.byteLength;
        this.allowance = Math.max(0, this.allowance - chunk.byteLength);
        this.budget.release(chunk);
      }
      if (chunk) this.blocked = !sink.write(chunk);
    }
  }

  private take(): Uint8Array | undefined {
    if (this.head === this.queue.length) return undefined;
    const chunk = this.queue[this.head]!;
    this.queue[this.head++] = undefined!;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return chunk;
  }
}

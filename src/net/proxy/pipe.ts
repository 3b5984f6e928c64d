/**
 * One direction of a relayed TCP connection, with back-pressure. Bun's `socket.write` writes
 * what the kernel takes and returns the count; it does NOT keep the rest (oven-sh/bun#16076).
 * So the pipe keeps the remainder, pauses its source until the sink's `drain`, then resumes
 * it. At most one chunk per pause is held: memory stays bounded by the socket read size.
 *
 * Half-close: when the source sends FIN, the sink gets FIN once everything before it is
 * written — the other direction keeps flowing (HTTP/1.0 clients and `nc -q` rely on it).
 */

/** The side data is written to (a Bun `Socket` fits). */
export interface PipeSink {
  write(data: Uint8Array): number;
  /** FIN, keep reading */
  shutdown(): void;
  /** FIN and close */
  end(): void;
}

/** The side data is read from (a Bun `Socket` fits). */
export interface PipeSource {
  pause(): void;
  resume(): void;
}

/**
 * Bytes a pipe takes from its source before the sink is known (the upstream still connecting)
 * without pausing it: a client's first request then waits without a pause and a resume, which
 * cost two epoll_ctl calls on every new connection. More than this pauses the source as usual.
 */
export const EARLY_LIMIT = 64 * 1024;

export class Pipe {
  private pending: Uint8Array[] = [];
  private early = 0;
  private sink?: PipeSink;
  private ended = false;
  private closeSink = false;
  private shut = false;
  private paused = false;
  /** bytes written to the sink */
  bytes = 0;
  /** how many times the source was paused for a slow sink */
  pauses = 0;

  /** `stats.pauses` counts pauses across pipes (the proxy's metrics). */
  constructor(
    private readonly source: PipeSource,
    private readonly stats?: { pauses: number },
  ) {}

  /** The sink is known once the upstream connection opens; until then data waits. */
  attach(sink: PipeSink): void {
    this.sink = sink;
    this.flush();
  }

  /** Data from the source. */
  push(chunk: Uint8Array): void {
    if (this.shut || chunk.length === 0) return;
    if (!this.sink) {
      this.pending.push(chunk);
      this.early += chunk.length;
      if (this.early > EARLY_LIMIT) this.pause();
      return;
    }
    if (this.pending.length > 0) {
      this.pending.push(chunk);
      this.pause();
      return;
    }
    const n = this.write(chunk);
    if (n < chunk.length) {
      this.pending.push(chunk.subarray(n));
      this.pause();
    }
  }

  /** The sink can take more (its `drain`). */
  drain(): void {
    this.flush();
  }

  /**
   * The source sent FIN: pass it on once the queue is written. `close` when the source is gone
   * altogether — then nobody will read what the sink answers, so the sink is closed, not just
   * shut for writing (a backend that ignores FIN would otherwise hold its socket forever).
   */
  end(close = false): void {
    this.ended = true;
    if (close) this.closeSink = true;
    if (this.pending.length === 0 && this.sink) this.finish();
  }

  /** The sink is gone: drop what waits; the source need not stay paused for it. */
  abandon(): void {
    this.pending = [];
    this.shut = true;
    if (this.paused) {
      this.paused = false;
      this.source.resume();
    }
  }

  get done(): boolean {
    return this.shut;
  }

  get queued(): number {
    let n = 0;
    for (const c of this.pending) n += c.length;
    return n;
  }

  private flush(): void {
    if (!this.sink || this.shut) return;
    while (this.pending.length > 0) {
      const head = this.pending[0]!;
      const n = this.write(head);
      if (n < head.length) {
        this.pending[0] = head.subarray(n);
        // Held before the sink was known, the source may still be reading: stop it now.
        this.pause();
        return;
      }
      this.pending.shift();
    }
    if (this.paused) {
      this.paused = false;
      this.source.resume();
    }
    if (this.ended) this.finish();
  }

  private write(chunk: Uint8Array): number {
    // Bun returns -1 when the socket is closed: treat it as "took nothing"; the close handler ends us.
    const n = Math.max(0, this.sink!.write(chunk));
    this.bytes += n;
    return n;
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.pauses++;
    if (this.stats) this.stats.pauses++;
    this.source.pause();
  }

  private finish(): void {
    if (this.shut) return;
    this.shut = true;
    if (this.closeSink) this.sink!.end();
    else this.sink!.shutdown();
  }
}

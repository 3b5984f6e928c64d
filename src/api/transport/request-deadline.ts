/**
 * The deadline by which a connection must deliver its next request head: `headerMs` after
 * the handshake for the first request (Go's ReadHeaderTimeout), `idleMs` after a response
 * for the next one on a kept-alive connection (Go's IdleTimeout). A connection that misses
 * it is destroyed. While a request is being served there is no deadline at all, so watches
 * and log follows last as long as they are wanted; an upgraded connection leaves this clock.
 *
 * @example
 *   const d = RequestDeadline.attach(socket, timeouts); // on handshake
 *   RequestDeadline.of(req.socket)?.started();          // on each request head
 *   res.once("close", () => RequestDeadline.of(req.socket)?.finished());
 */
import type { Duplex } from "node:stream";
import type { TransportTimeouts } from "./timeouts.ts";

const DEADLINE = Symbol("k3rs.requestDeadline");

export class RequestDeadline {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private active = 0;
  private released = false;

  private constructor(
    private readonly socket: Duplex,
    private readonly timeouts: Pick<TransportTimeouts, "headerMs" | "idleMs">,
  ) {
    socket.once("close", () => this.clear());
    this.arm(timeouts.headerMs);
  }

  /** Starts the first request's clock on a connection that just finished its handshake. */
  static attach(socket: Duplex, timeouts: Pick<TransportTimeouts, "headerMs" | "idleMs">): RequestDeadline {
    const d = new RequestDeadline(socket, timeouts);
    (socket as Duplex & { [DEADLINE]?: RequestDeadline })[DEADLINE] = d;
    return d;
  }

  static of(socket: unknown): RequestDeadline | undefined {
    return (socket as { [DEADLINE]?: RequestDeadline } | undefined)?.[DEADLINE];
  }

  /** A request head arrived: no deadline while it is served. */
  started(): void {
    this.active++;
    this.clear();
  }

  /** Its response is done: the next request has `idleMs` to arrive. */
  finished(): void {
    this.active = Math.max(0, this.active - 1);
    if (this.active === 0 && !this.released && !this.socket.destroyed) this.arm(this.timeouts.idleMs);
  }

  /** The connection was upgraded (exec, tunnel, …): its new owner decides how long it lives. */
  release(): void {
    this.released = true;
    this.clear();
  }

  private arm(ms: number): void {
    this.clear();
    this.timer = setTimeout(() => this.socket.destroy(), ms);
    this.timer.unref?.();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

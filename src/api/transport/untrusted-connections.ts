/**
 * A cap on connections that have not shown a cluster identity. Deadlines alone bound how long
 * one stalled connection lives, not how many there are: at the handshake deadline (10 s) an
 * attacker opening 2,000 connections a second holds 20,000 descriptors — this machine's whole
 * limit — and accept fails for every agent. So connections are counted from accept until
 * they show a verified client certificate or an authenticated request; past `max`, the oldest
 * of them is closed to make room. Real clients get through a handshake in milliseconds, so
 * under a flood the oldest are the flood's. Trusted connections are never counted or closed.
 */
import type { Duplex } from "node:stream";

export class UntrustedConnections {
  /** In arrival order (a Set iterates in insertion order): the first is the oldest. */
  private readonly waiting = new Set<Duplex>();

  constructor(
    readonly max: number,
    /** Told of each connection closed to make room. */
    private readonly onEvict: () => void = () => {},
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  admit(socket: Duplex): void {
    this.waiting.add(socket);
    socket.once("close", () => this.waiting.delete(socket));
    while (this.waiting.size > this.max) {
      const oldest = this.waiting.values().next().value!;
      this.waiting.delete(oldest);
      this.onEvict();
      oldest.destroy();
    }
  }

  trust(socket: Duplex): void {
    this.waiting.delete(socket);
  }
}

/** Half the descriptors for strangers, the rest for the cluster and the server's own files. */
export function untrustedCapFor(fileLimit: number | undefined): number {
  return fileLimit === undefined ? 10_000 : Math.max(64, Math.floor(fileLimit / 2));
}

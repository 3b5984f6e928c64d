/**
 * A tunnel session: many TunnelStreams multiplexed over one FrameTransport, with liveness.
 * The server's side opens streams (`open(target)`); the agent's side accepts them. Either
 * side pings every `pingMs` and gives the session up after `idleMs` without a frame from the
 * peer, so a connection that died silently (NAT timeout, pulled cable) is noticed and the
 * agent reconnects.
 */
import { decodeFrame, encodeFrame, FrameType, payloadText, payloadWindow, ProtocolError, textPayload, type Frame } from "./protocol.ts";
import { TunnelStream, type StreamHost } from "./stream.ts";
import type { FrameTransport } from "./transport.ts";

export interface SessionOptions {
  /** The server's side opens odd stream ids, the agent's side even ones. */
  side: "server" | "agent";
  /** Streams the peer opens; without it, every OPEN is refused. */
  accept?: (stream: TunnelStream) => void;
  /** Default 15 s. */
  pingMs?: number;
  /** Default 3 × pingMs. */
  idleMs?: number;
}

export class TunnelSession {
  /** Resolves with the reason once the session is over. */
  readonly done: Promise<string>;
  private readonly streams = new Map<number, TunnelStream>();
  private nextId: number;
  private closed = false;
  private lastHeard = Date.now();
  private readonly timer: ReturnType<typeof setInterval>;
  private resolveDone!: (reason: string) => void;
  private readonly host: StreamHost;

  constructor(
    private readonly transport: FrameTransport,
    private readonly o: SessionOptions,
  ) {
    this.nextId = o.side === "server" ? 1 : 2;
    this.done = new Promise((r) => (this.resolveDone = r));
    this.host = {
      send: (type, id, payload) => this.send(type, id, payload),
      release: (id) => this.streams.delete(id),
    };
    transport.listen({ frame: (b) => this.onFrame(b), closed: (reason) => this.shutdown(reason) });
    const pingMs = o.pingMs ?? 15_000;
    const idleMs = o.idleMs ?? pingMs * 3;
    this.timer = setInterval(() => {
      if (Date.now() - this.lastHeard > idleMs) this.close(`no word from the peer for ${Math.round(idleMs / 1000)}s`);
      else this.send(FrameType.Ping, 0);
    }, pingMs);
    this.timer.unref?.();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Streams currently open. */
  get size(): number {
    return this.streams.size;
  }

  /** Opens a stream to `target` on the peer. Write at once: frames keep their order. */
  open(target: string): TunnelStream {
    if (this.closed) throw new ProtocolError("the tunnel session is closed");
    const id = this.nextId;
    this.nextId += 2;
    const stream = new TunnelStream(id, target, this.host);
    this.streams.set(id, stream);
    this.send(FrameType.Open, id, textPayload(target));
    return stream;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.transport.close(reason);
    this.shutdown(reason);
  }

  private shutdown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const s of streams) s.receiveClose(`tunnel closed: ${reason}`);
    this.resolveDone(reason);
  }

  private send(type: FrameType, id: number, payload?: Uint8Array): void {
    if (!this.closed) this.transport.send(encodeFrame(type, id, payload));
  }

  private onFrame(bytes: Uint8Array): void {
    if (this.closed) return;
    this.lastHeard = Date.now();
    let f: Frame;
    try {
      f = decodeFrame(bytes);
    } catch (e) {
      this.close(`protocol error: ${(e as Error).message}`);
      return;
    }
    if (f.type === FrameType.Ping) return this.send(FrameType.Pong, 0, f.payload);
    if (f.type === FrameType.Pong) return;
    if (f.type === FrameType.Open) return this.onOpen(f);
    const stream = this.streams.get(f.id);
    // Frames for a stream already released here (crossing a CLOSE on the wire) are dropped.
    if (!stream) return;
    switch (f.type) {
      case FrameType.Data:
        return stream.receiveData(f.payload);
      case FrameType.End:
        return stream.receiveEnd();
      case FrameType.Window:
        try {
          return stream.receiveWindow(payloadWindow(f.payload));
        } catch (e) {
          return this.close(`protocol error: ${(e as Error).message}`);
        }
      case FrameType.Close:
        return stream.receiveClose(payloadText(f.payload));
    }
  }

  private onOpen(f: Frame): void {
    const peerParity = this.o.side === "server" ? 0 : 1;
    if (f.id === 0 || f.id % 2 !== peerParity || this.streams.has(f.id)) {
      this.close(`protocol error: OPEN with stream id ${f.id}`);
      return;
    }
    const target = payloadText(f.payload);
    if (!this.o.accept) {
      this.send(FrameType.Close, f.id, textPayload(`this side of the tunnel accepts no streams (target ${JSON.stringify(target)})`));
      return;
    }
    const stream = new TunnelStream(f.id, target, this.host);
    this.streams.set(f.id, stream);
    this.o.accept(stream);
  }
}

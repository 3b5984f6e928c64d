/**
 * One byte stream inside a tunnel session, as a Node Duplex so that node:http can run over it
 * on both ends (the agent's HTTP server takes it as a connection; the server's HTTP client
 * takes it through `createConnection`) — including, later, WebSocket upgrades for exec.
 *
 * Flow control: a write waits while the peer has granted no credit; credit is granted back
 * as the local reader drains what arrived, so a slow reader holds the writer at
 * INITIAL_WINDOW bytes in flight instead of buffering without bound.
 *
 * Endings map onto TCP's: `end()` sends END (half-close, the peer reads to EOF);
 * `destroy()` sends CLOSE (an error message when destroyed with an error, which the peer
 * sees as ECONNRESET; empty otherwise, which the peer sees as EOF with writes refused).
 */
import { Duplex } from "node:stream";
import { FrameType, INITIAL_WINDOW, MAX_DATA, textPayload, windowPayload } from "./protocol.ts";

/** What a stream needs from its session. */
export interface StreamHost {
  send(type: FrameType, id: number, payload?: Uint8Array): void;
  release(id: number): void;
}

export class TunnelStreamError extends Error {
  constructor(
    message: string,
    /** Node-style code, so that node:http reports a peer reset as it does for sockets. */
    readonly code = "ECONNRESET",
  ) {
    super(message);
    this.name = "TunnelStreamError";
  }
}

/** A CLOSE's message stays far below the largest frame the peer takes. */
const MAX_REASON = 1024;
/** Credit is returned in batches of this size, not per DATA frame. */
const GRANT_AT = INITIAL_WINDOW / 4;

export class TunnelStream extends Duplex {
  private sendWindow = INITIAL_WINDOW;
  private creditWaiters: Array<() => void> = [];
  private received = 0;
  private granted = 0;
  private endSent = false;
  private endReceived = false;
  private peerClosed = false;
  private released = false;

  constructor(
    readonly id: number,
    readonly target: string,
    private readonly host: StreamHost,
  ) {
    super({ allowHalfOpen: true });
  }

  // Socket-shaped no-ops: node:http calls these on its connections.
  setTimeout(_ms: number, _cb?: () => void): this {
    return this;
  }
  setNoDelay(_noDelay?: boolean): this {
    return this;
  }
  setKeepAlive(_enable?: boolean, _delay?: number): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  get remoteAddress(): string {
    return "127.0.0.1";
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.sendAll(chunk).then(() => cb(), (e: Error) => cb(e));
  }

  private async sendAll(chunk: Uint8Array): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      if (this.peerClosed || this.destroyed) throw new TunnelStreamError("write after the tunnel stream was closed", "EPIPE");
      if (this.sendWindow === 0) {
        await new Promise<void>((resolve) => this.creditWaiters.push(resolve));
        continue;
      }
      const n = Math.min(chunk.length - off, this.sendWindow, MAX_DATA);
      this.host.send(FrameType.Data, this.id, chunk.subarray(off, off + n));
      this.sendWindow -= n;
      off += n;
    }
  }

  override _final(cb: (error?: Error | null) => void): void {
    if (!this.peerClosed && !this.released) this.host.send(FrameType.End, this.id);
    this.endSent = true;
    this.releaseIfDone();
    cb();
  }

  override _read(): void {
    this.grant();
  }

  override _destroy(error: Error | null, cb: (error?: Error | null) => void): void {
    if (!this.released && !this.peerClosed && !(this.endSent && this.endReceived)) {
      this.host.send(FrameType.Close, this.id, error ? textPayload((error.message || "stream destroyed").slice(0, MAX_REASON)) : undefined);
    }
    this.release();
    this.wakeWriters();
    cb(error);
  }

  /** DATA from the peer. */
  receiveData(payload: Uint8Array): void {
    if (this.endReceived || this.peerClosed || this.destroyed) return;
    if (this.received + payload.length > this.granted + INITIAL_WINDOW) {
      this.destroy(new TunnelStreamError("the peer sent more than its window allows", "EPROTO"));
      return;
    }
    this.received += payload.length;
    this.push(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    this.grant();
  }

  receiveEnd(): void {
    if (this.endReceived || this.peerClosed) return;
    this.endReceived = true;
    this.push(null);
    this.releaseIfDone();
  }

  receiveWindow(n: number): void {
    this.sendWindow += n;
    this.wakeWriters();
  }

  /** CLOSE from the peer, or the whole session went away (always with a message then). */
  receiveClose(message: string): void {
    if (this.peerClosed) return;
    this.peerClosed = true;
    this.release();
    this.wakeWriters();
    if (message) {
      this.destroy(new TunnelStreamError(message));
      return;
    }
    // A clean close: what arrived stays readable, then EOF; nothing more can be written.
    if (!this.endReceived) {
      this.endReceived = true;
      this.push(null);
    }
    if (this.readableEnded) this.destroy();
    else this.once("end", () => this.destroy());
  }

  /** Returns credit for what the local reader has taken out of the buffer. */
  private grant(): void {
    if (this.peerClosed || this.released || this.endReceived) return;
    const pending = this.received - this.readableLength - this.granted;
    if (pending < GRANT_AT) return;
    this.granted += pending;
    this.host.send(FrameType.Window, this.id, windowPayload(pending));
  }

  private wakeWriters(): void {
    const waiters = this.creditWaiters;
    this.creditWaiters = [];
    for (const w of waiters) w();
  }

  private releaseIfDone(): void {
    if (this.endSent && this.endReceived) this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.host.release(this.id);
  }
}

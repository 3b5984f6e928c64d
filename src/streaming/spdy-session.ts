/**
 * A SPDY/3 connection as Kubernetes' streaming peers speak it (moby/spdystream: the kubelet,
 * containerd's CRI streaming server, kubectl): streams opened by SYN_STREAM and accepted by
 * SYN_REPLY, bytes in DATA frames, a half-close as an empty DATA frame with FIN, RST_STREAM
 * to abandon one, PING echoed, GOAWAY before the end. Those peers do no SPDY flow control
 * (no WINDOW_UPDATE), so neither does this: back-pressure is the transport's — a stream whose
 * reader falls behind pauses reading the connection until it drains.
 *
 * Frames are handled strictly in arrival order through one promise chain, because reading a
 * header block waits on the connection's zlib inflater.
 *
 * @example
 *   const spdy = new SpdySession(socket, { side: "client" });
 *   const stdout = await spdy.open({ streamtype: "stdout" });
 *   stdout.on("data", (b) => …);
 */
import { Duplex } from "node:stream";
import { decodeHeaderBlock, encodeHeaderBlock, HeaderCompressor, HeaderDecompressor, type HeaderMap } from "./spdy-headers.ts";
import { encodeData, encodeGoAway, encodePing, encodeRstStream, encodeSynReply, encodeSynStream, RstStatus, SpdyFrameParser, type SpdyFrame } from "./spdy-frames.ts";

export interface SpdySessionOptions {
  /** Clients open odd-numbered streams and pings, servers even ones. */
  side: "client" | "server";
  /** A stream the peer opened: accept it with `reply()` (or by writing) or refuse it with `reset()`. Absent: every one is refused. */
  onStream?(stream: SpdyStream): void;
  /** How long `open` waits for the peer's SYN_REPLY (client-go waits 30 s). */
  replyTimeoutMs?: number;
}

/** Frames we write carry at most this much data (the peers accept up to 16 MiB). */
const MAX_DATA = 32 * 1024;

export class SpdyStreamError extends Error {
  constructor(
    message: string,
    readonly code = "ECONNRESET",
  ) {
    super(message);
    this.name = "SpdyStreamError";
  }
}

export class SpdyStream extends Duplex {
  /** Whether SYN_REPLY has been sent (streams the peer opened) or received (ours). */
  replied = false;
  private finSent = false;
  private finReceived = false;
  private aborted = false;

  constructor(
    readonly id: number,
    /** Request headers: ours for streams we open, the peer's for streams it opens. */
    readonly headers: HeaderMap,
    private readonly session: SpdySession,
    private readonly peerOpened: boolean,
  ) {
    super({ allowHalfOpen: true });
  }

  /** Accepts a stream the peer opened (SYN_REPLY with no headers, as the Go peers send). */
  reply(): void {
    if (this.replied || !this.peerOpened || this.aborted) return;
    this.replied = true;
    this.session.sendReply(this.id);
  }

  /** Abandons the stream (RST_STREAM): the peer's reads end, its writes are refused. */
  reset(status: number = RstStatus.Cancel): void {
    if (this.aborted) return;
    this.aborted = true;
    this.session.sendReset(this.id, status);
    this.endReadable();
    this.destroy();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.aborted || this.finSent) return cb(new SpdyStreamError(`write on closed SPDY stream ${this.id}`, "EPIPE"));
    if (this.peerOpened) this.reply();
    let ok = true;
    for (let at = 0; at < chunk.length; at += MAX_DATA) ok = this.session.sendFrame(encodeData(this.id, chunk.subarray(at, at + MAX_DATA)));
    if (ok) cb();
    else void this.session.drained().then(() => cb());
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (!this.aborted && !this.finSent) {
      if (this.peerOpened) this.reply();
      this.finSent = true;
      this.session.sendFrame(encodeData(this.id, Buffer.alloc(0), true));
    }
    this.session.releaseIfDone(this);
    cb();
  }

  override _read(): void {
    this.session.readerDrained(this);
  }

  override _destroy(error: Error | null, cb: (e?: Error | null) => void): void {
    if (!this.aborted && !(this.finSent && this.finReceived)) {
      this.aborted = true;
      this.session.sendReset(this.id, RstStatus.Cancel);
    }
    this.session.forget(this);
    cb(error);
  }

  get done(): boolean {
    return this.aborted || (this.finSent && this.finReceived);
  }

  /** DATA from the peer; false when the reader is behind. */
  receive(data: Buffer, fin: boolean): boolean {
    if (this.finReceived || this.aborted) return true;
    let more = true;
    if (data.length) more = this.push(data);
    if (fin) {
      this.finReceived = true;
      this.push(null);
      this.session.releaseIfDone(this);
    }
    return more;
  }

  /** RST_STREAM from the peer, or the connection went away: EOF for the reader, no more writes. */
  peerGone(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.endReadable();
    // What arrived stays readable; the stream goes once its reader has seen the end.
    if (this.readableEnded) this.destroy();
    else this.once("end", () => this.destroy());
  }

  private endReadable(): void {
    if (!this.finReceived) {
      this.finReceived = true;
      this.push(null);
    }
  }
}

interface PendingOpen {
  resolve(s: SpdyStream): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class SpdySession {
  /** Resolves with the reason once the connection is over. */
  readonly done: Promise<string>;
  private resolveDone!: (reason: string) => void;
  private readonly streams = new Map<number, SpdyStream>();
  private readonly pending = new Map<number, PendingOpen>();
  private readonly parser = new SpdyFrameParser();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private chain: Promise<void> = Promise.resolve();
  private nextId: number;
  private lastPeerId = 0;
  private readonly ourPingParity: number;
  private goneAway = false;
  private ended = false;
  private readonly behind = new Set<SpdyStream>();

  constructor(
    private readonly transport: Duplex,
    private readonly o: SpdySessionOptions,
  ) {
    this.nextId = o.side === "client" ? 1 : 2;
    this.ourPingParity = o.side === "client" ? 1 : 0;
    this.done = new Promise((r) => (this.resolveDone = r));
    transport.on("data", (chunk: Buffer) => this.receive(chunk));
    transport.on("end", () => this.enqueue(async () => this.finish("connection closed by the peer")));
    transport.on("close", () => this.enqueue(async () => this.finish("connection closed")));
    transport.on("error", (e: Error) => this.finish(`connection failed: ${e.message}`));
    // A transport handed over after an upgrade may have been left paused.
    transport.resume();
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Opens a stream; resolves once the peer accepts it (SYN_REPLY). */
  open(headers: Record<string, string>): Promise<SpdyStream> {
    if (this.ended || this.goneAway) return Promise.reject(new SpdyStreamError("the SPDY connection is closing"));
    const id = this.nextId;
    this.nextId += 2;
    const stream = new SpdyStream(id, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]])), this, false);
    this.streams.set(id, stream);
    return new Promise<SpdyStream>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        stream.reset();
        reject(new SpdyStreamError(`no reply to stream ${id} (${JSON.stringify(headers)}) in time`, "ETIMEDOUT"));
      }, this.o.replyTimeoutMs ?? 30_000);
      this.pending.set(id, { resolve, reject, timer });
      this.sendFrame(encodeSynStream(id, this.compressor.compress(encodeHeaderBlock(headers))));
    });
  }

  /** GOAWAY, then the end of our side of the connection. */
  close(): void {
    if (this.ended) return;
    if (!this.goneAway) {
      this.goneAway = true;
      this.sendFrame(encodeGoAway(this.lastPeerId));
    }
    this.transport.end();
  }

  destroy(): void {
    this.transport.destroy();
    this.finish("connection destroyed");
  }

  // --- used by SpdyStream ---

  sendFrame(frame: Buffer): boolean {
    if (this.ended || this.transport.destroyed || !this.transport.writable) return true;
    return this.transport.write(frame);
  }

  drained(): Promise<void> {
    if (!this.transport.writableNeedDrain || this.ended) return Promise.resolve();
    return new Promise((r) => {
      const done = () => {
        this.transport.off("drain", done);
        this.transport.off("close", done);
        r();
      };
      this.transport.on("drain", done);
      this.transport.on("close", done);
    });
  }

  sendReply(id: number): void {
    this.sendFrame(encodeSynReply(id, this.compressor.compress(encodeHeaderBlock({}))));
  }

  sendReset(id: number, status: number): void {
    this.sendFrame(encodeRstStream(id, status));
  }

  readerDrained(stream: SpdyStream): void {
    if (this.behind.delete(stream) && this.behind.size === 0) this.transport.resume();
  }

  releaseIfDone(stream: SpdyStream): void {
    if (stream.done) this.forget(stream);
  }

  forget(stream: SpdyStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    this.readerDrained(stream);
  }

  // --- reading ---

  private receive(chunk: Buffer): void {
    let frames: SpdyFrame[];
    try {
      frames = this.parser.push(chunk);
    } catch (e) {
      this.fail((e as Error).message);
      return;
    }
    for (const f of frames) this.enqueue(() => this.handle(f));
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((e: Error) => this.fail(e.message));
  }

  private async handle(f: SpdyFrame): Promise<void> {
    if (this.ended) return;
    switch (f.type) {
      case "data": {
        const s = this.streams.get(f.streamId);
        if (!s) return;
        if (!s.receive(f.data, f.fin)) {
          this.behind.add(s);
          this.transport.pause();
        }
        return;
      }
      case "syn_stream": {
        const headers = decodeHeaderBlock(await this.decompressor.decompress(f.headerBlock));
        const peerParity = this.o.side === "client" ? 0 : 1;
        if (f.streamId % 2 !== peerParity || f.streamId <= this.lastPeerId) {
          this.sendReset(f.streamId, RstStatus.ProtocolError);
          return;
        }
        this.lastPeerId = f.streamId;
        if (!this.o.onStream || this.goneAway) {
          this.sendReset(f.streamId, RstStatus.RefusedStream);
          return;
        }
        const s = new SpdyStream(f.streamId, headers, this, true);
        this.streams.set(f.streamId, s);
        if (f.fin) s.receive(Buffer.alloc(0), true);
        this.o.onStream(s);
        return;
      }
      case "syn_reply": {
        await this.decompressor.decompress(f.headerBlock);
        const s = this.streams.get(f.streamId);
        const p = this.pending.get(f.streamId);
        if (s) s.replied = true;
        if (p) {
          clearTimeout(p.timer);
          this.pending.delete(f.streamId);
          if (s) p.resolve(s);
        }
        if (s && f.fin) s.receive(Buffer.alloc(0), true);
        return;
      }
      case "headers": {
        await this.decompressor.decompress(f.headerBlock);
        if (f.fin) this.streams.get(f.streamId)?.receive(Buffer.alloc(0), true);
        return;
      }
      case "rst_stream": {
        const p = this.pending.get(f.streamId);
        if (p) {
          clearTimeout(p.timer);
          this.pending.delete(f.streamId);
          p.reject(new SpdyStreamError(`the peer refused stream ${f.streamId} (status ${f.status})`));
        }
        this.streams.get(f.streamId)?.peerGone();
        return;
      }
      case "ping":
        // Pings of the peer's parity are answered with the same id; ours coming back need nothing.
        if (f.id % 2 !== this.ourPingParity) this.sendFrame(encodePing(f.id));
        return;
      case "goaway":
        this.goneAway = true;
        return;
      default:
        return;
    }
  }

  private fail(reason: string): void {
    this.transport.destroy();
    this.finish(`SPDY protocol error: ${reason}`);
  }

  private async finish(reason: string): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new SpdyStreamError(`the connection ended before stream ${id} was accepted: ${reason}`));
    }
    this.pending.clear();
    for (const s of [...this.streams.values()]) s.peerGone();
    this.streams.clear();
    this.behind.clear();
    this.decompressor.close();
    if (!this.transport.writableEnded) this.transport.end();
    this.resolveDone(reason);
  }
}

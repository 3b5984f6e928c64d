/**
 * Response bodies pushed by their producer straight onto an HTTP/1.1 connection.
 *
 * A watch's events are produced in the store's commit path, one encoded line shared by every
 * watcher. Through a web ReadableStream each delivery costs a queued chunk, a read promise and
 * node:http's chunked write — which in Bun's HTTP/1.1 server for adopted (TLS) sockets is three
 * socket writes (size line, data, CRLF): three TLS records and three syscalls per watcher per
 * event. A push body skips all of it: the producer hands its chunk to a sink, the chunk's
 * chunked-coding frame is built once and shared by every connection that sends the same
 * chunk, and each connection gets one socket write per tick (its chunks of one tick joined).
 *
 * The stream stays an ordinary ReadableStream for everyone else (tests through app.request, a
 * transport that does not know push bodies): whoever takes the body first gets it.
 */
import type { ServerResponse } from "node:http";
import { Buffer } from "node:buffer";

export interface PushSink {
  /** Sends a chunk; false when the connection is backed up: hold further chunks until `resume` runs. */
  write(chunk: Uint8Array): boolean;
  /** Ends the body; the response completes normally. */
  end(): void;
}

export interface PushSource {
  /**
   * Takes the body over: from now on the producer writes to `sink` and never enqueues on its
   * stream. Returns what the transport calls once a backed-up connection has drained.
   */
  attach(sink: PushSink): () => void;
}

const sources = new WeakMap<ReadableStream<Uint8Array>, PushSource>();

/** Marks `stream` as a push body served by `source`. */
export function markPushBody(stream: ReadableStream<Uint8Array>, source: PushSource): void {
  sources.set(stream, source);
}

/** The push source behind a response body, unless the body was already read or is not one. */
export function pushSourceOf(body: ReadableStream<Uint8Array> | null): PushSource | undefined {
  if (!body || body.locked) return undefined;
  return sources.get(body);
}

/** Frames for chunked transfer coding, per chunk: a chunk shared by 1,000 watchers is framed once. */
const frames = new WeakMap<Uint8Array, Uint8Array>();

export function chunkFrame(chunk: Uint8Array): Uint8Array {
  let frame = frames.get(chunk);
  if (frame) return frame;
  const head = chunk.byteLength.toString(16) + "\r\n";
  frame = new Uint8Array(head.length + chunk.byteLength + 2);
  for (let i = 0; i < head.length; i++) frame[i] = head.charCodeAt(i);
  frame.set(chunk, head.length);
  frame[frame.length - 2] = 13;
  frame[frame.length - 1] = 10;
  frames.set(chunk, frame);
  return frame;
}

/** What a push sink needs of a connection: node's net.Socket/tls.TLSSocket. */
export interface FrameSocket {
  write(data: Uint8Array): boolean;
  readonly destroyed: boolean;
  once(event: "drain" | "close", listener: () => void): unknown;
  off(event: "drain" | "close", listener: () => void): unknown;
}

/**
 * Bytes one connection gathers in a tick before `write` asks the producer to wait: a watch's
 * initial state is rendered as the connection takes it, never all at once in memory.
 */
const TICK_BYTES = 64 * 1024;

/** Connections with frames waiting for the end of this tick's writes. */
let pendingSinks: SocketSink[] = [];

function flushPending(): void {
  const sinks = pendingSinks;
  pendingSinks = [];
  for (const s of sinks) s.flush();
}

/**
 * A sink writing chunked-coding frames to the response's socket itself. The response's head
 * must already be on the socket and the response must be chunked (HTTP/1.1, no
 * Content-Length): `end` then lets the response write the last chunk, so the connection stays
 * usable for the next request.
 */
class SocketSink implements PushSink {
  private frames: Uint8Array[] = [];
  private frameBytes = 0;
  private backedUp = false;
  /** `write` said wait while the socket was not backed up: resume after the flush. */
  private owesResume = false;
  private ended = false;
  private resume?: () => void;

  constructor(
    private readonly socket: FrameSocket,
    /** Writes the body's end (the last chunk) after the frames. */
    private readonly finish: () => void,
    private readonly done: () => void,
  ) {}

  bind(resume: () => void): void {
    this.resume = resume;
  }

  write(chunk: Uint8Array): boolean {
    if (this.ended || this.socket.destroyed) return false;
    const frame = chunkFrame(chunk);
    if (this.frames.push(frame) === 1 && pendingSinks.push(this) === 1) queueMicrotask(flushPending);
    this.frameBytes += frame.byteLength;
    if (this.backedUp) return false;
    if (this.frameBytes < TICK_BYTES) return true;
    this.owesResume = true;
    return false;
  }

  flush(): void {
    const frames = this.frames;
    if (frames.length === 0) return;
    this.frames = [];
    this.frameBytes = 0;
    if (this.socket.destroyed) return;
    const data = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    if (this.socket.write(data)) {
      if (this.owesResume && !this.backedUp && !this.ended) {
        this.owesResume = false;
        this.resume?.();
      }
    } else if (!this.backedUp) {
      this.backedUp = true;
      const drained = () => {
        this.socket.off("close", drained);
        this.socket.off("drain", drained);
        this.backedUp = false;
        this.owesResume = false;
        if (!this.ended) this.resume?.();
      };
      this.socket.once("drain", drained);
      this.socket.once("close", drained);
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.flush();
    this.finish();
    this.done();
  }
}

/**
 * Whether a response can be pushed: HTTP/1.1 on a socket of its own, chunked (no
 * Content-Length), so that frames written to the socket are exactly what node:http would write.
 */
export function canPush(res: ServerResponse, httpVersion: string | undefined, headers: Record<string, unknown>): boolean {
  return httpVersion === "1.1" && !!res.socket && !("content-length" in headers) && !("transfer-encoding" in headers);
}

/**
 * Serves `source` on `res`, whose head (chunked, see canPush) is already on the socket.
 * Resolves when the body ends or the connection closes.
 */
export function sendPushed(res: ServerResponse, source: PushSource): Promise<void> {
  const socket = res.socket as unknown as FrameSocket;
  return new Promise<void>((resolve) => {
    const sink = new SocketSink(socket, () => res.end(), resolve);
    res.once("close", () => resolve());
    sink.bind(source.attach(sink));
  });
}

/**
 * Serves `source` as a chunked body straight onto `socket`, whose response head is already
 * written; `finish` writes the last chunk. Resolves when the body ends or the socket closes.
 */
export function pushToSocket(socket: FrameSocket, source: PushSource, finish: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      socket.off("close", done);
      resolve();
    };
    socket.once("close", done);
    const sink = new SocketSink(socket, finish, done);
    sink.bind(source.attach(sink));
  });
}

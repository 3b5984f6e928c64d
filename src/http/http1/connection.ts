/**
 * One HTTP/1.1 connection served by this server's own parser instead of node:http: on Bun
 * 1.4.5, node:http over a node:tls socket cost ~80 µs of CPU per request on this 2-core VM
 * before any handler ran, this parser ~5 µs (scratch bench: 1 KB POST, 16 clients, mTLS:
 * 114–124 µs/request through node:http, 37–45 µs through this loop, TLS included).
 *
 * Requests are served one at a time in arrival order (pipelined ones wait in the buffer). For
 * each, in order: the head is parsed strictly (request-head.ts) and its target checked; an
 * Upgrade is handed over with the socket; the head is authenticated while the socket is
 * paused, so an anonymous upload is never read; the body is read within a deadline (whole up
 * to the limit, or streamed with back-pressure for archives); the handler's Response is
 * written (response-writer.ts). A client hang-up aborts the request's signal. Whatever throws
 * becomes a Status answer, never an unanswered request and never a rejection that escapes.
 *
 * Deadlines: `headerMs` for the first request head, `idleMs` between an answer and the next
 * head, `bodyMs` for a whole body (the longest silence for a streamed one); none while a
 * request is served, so watches and log follows last as long as they are wanted.
 */
import type { Duplex } from "node:stream";
import { errors } from "../../model/errors.ts";
import type { UserInfo } from "../identity.ts";
import { MAX_BODY_BYTES } from "../limits.ts";
import { requestTargetError, requestUrl } from "../request-target.ts";
import { statusResponse } from "../status.ts";
import { isStreamedBody } from "../streamed-body.ts";
import { BodyDecoder } from "../../lib/http1-body-decoder.ts";
import { HeadError, parseRequestHead, type RequestHead } from "./request-head.ts";
import { writeResponse } from "./response-writer.ts";

/** Who the request head says is asking, before its body is read: a user, a public path, or nobody. */
export type HeadAuthentication = UserInfo | "public" | undefined;

export interface Http1Handlers {
  fetch(req: Request, user: UserInfo | undefined): Response | Promise<Response>;
  /** Asked with the request head, before the body is read; absent: `fetch` authenticates. */
  authenticate?(head: Request): Promise<HeadAuthentication>;
  /** An Upgrade request: the socket is the taker's now, with the bytes that followed the head. */
  upgrade(head: RequestHead, socket: Duplex, rest: Buffer): void;
  /** The connection is being closed because its next request head did not come in time. */
  expired?(deadline: "header" | "idle"): void;
}

export interface Http1Timeouts {
  headerMs: number;
  idleMs: number;
  bodyMs: number;
}

/** Go's http.Server takes 1 MB of header; node 16 KiB. A bearer token and kubectl's headers fit in far less. */
export const MAX_HEAD_BYTES = 64 * 1024;

/** How long a refused connection lingers after its answer, so the client reads it before a reset. */
const REFUSE_LINGER_MS = 500;

const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";
const CRLFCRLF = Buffer.from("\r\n\r\n");

export function serveHttp1(socket: Duplex, handlers: Http1Handlers, timeouts: Http1Timeouts): void {
  new Http1Connection(socket, handlers, timeouts);
}

class Http1Connection {
  private buffer: Buffer | undefined;
  private serving = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Takes the bytes of a request body while it is read. */
  private bodySink: ((chunk: Buffer) => void) | undefined;
  /** Aborts the request being served when the client leaves. */
  private current: AbortController | undefined;
  /** Fails a streamed request body when the client leaves before its end. */
  private closedBody: (() => void) | undefined;
  private readonly onData = (chunk: Buffer) => this.data(chunk);
  private readonly onClose = () => this.closed();

  constructor(
    private readonly socket: Duplex,
    private readonly handlers: Http1Handlers,
    private readonly timeouts: Http1Timeouts,
  ) {
    socket.on("data", this.onData);
    socket.on("close", this.onClose);
    socket.on("error", () => socket.destroy());
    this.arm("header");
  }

  private data(chunk: Buffer): void {
    if (this.bodySink) return this.bodySink(chunk);
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
    if (!this.serving) this.nextHead();
    // Bytes of a pipelined request while one is served: held, and no more read until its turn.
    else if (this.buffer.length > MAX_HEAD_BYTES) this.socket.pause();
  }

  private nextHead(): void {
    let buf = this.buffer;
    if (!buf) return;
    // An empty line before a request line is allowed (RFC 9112 §2.2).
    let start = 0;
    while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
    const end = buf.indexOf(CRLFCRLF, start);
    if (end < 0 ? buf.length - start > MAX_HEAD_BYTES : end - start > MAX_HEAD_BYTES) {
      return this.refuseHead(new HeadError(431, "request header fields too large"));
    }
    if (end < 0) {
      if (start > 0) this.buffer = buf.subarray(start);
      return;
    }
    const text = buf.toString("latin1", start, end);
    const rest = buf.subarray(end + 4);
    this.buffer = undefined;
    this.serving = true;
    this.disarm();
    this.socket.pause();
    let head: RequestHead;
    try {
      head = parseRequestHead(text);
    } catch (e) {
      return this.refuseHead(e instanceof HeadError ? e : new HeadError(400, String(e)));
    }
    void this.serve(head, rest);
  }

  private async serve(head: RequestHead, rest: Buffer): Promise<void> {
    let answered = false;
    try {
      const badTarget = requestTargetError(head.target);
      if (badTarget) return await this.refuse(head, statusResponse(badTarget));
      if (head.upgrade) return this.handOver(head, rest);
      const url = requestUrl(head.target);
      const headers = new Headers();
      const raw = head.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
      let user: UserInfo | undefined;
      if (this.handlers.authenticate) {
        const found = await this.handlers.authenticate(new Request(url, { method: head.method, headers }));
        if (!found) return await this.refuse(head, statusResponse(errors.unauthorized()));
        if (found !== "public") user = found;
      }
      const ac = new AbortController();
      this.current = ac;
      const body = await this.readBody(head, rest);
      const req = new Request(url, { method: head.method, headers, body: body instanceof Buffer && !body.length ? undefined : body, signal: ac.signal, duplex: "half" } as RequestInit);
      const response = await this.handlers.fetch(req, user);
      // A handler that answered without reading a streamed body (401, 403, 413): the rest is drained and dropped.
      if (body instanceof ReadableStream && !req.bodyUsed) void req.body?.cancel().catch(() => {});
      answered = true;
      const keepAlive = await writeResponse({ socket: this.socket, method: head.method, keepAlive: head.keepAlive, http10: head.version === "1.0", signal: ac.signal }, response);
      this.current = undefined;
      this.finished(keepAlive);
    } catch (e) {
      this.current = undefined;
      // A half-written answer must not look complete.
      if (answered || this.socket.destroyed) return void this.socket.destroy();
      try {
        await this.refuse(head, statusResponse(e));
      } catch {
        // Even rendering the error failed (a thrown value that cannot be printed).
        this.socket.destroy();
      }
    }
  }

  /**
   * The body: whole (cut after the limit, so the handler still answers 413) within `bodyMs`,
   * or as a stream for archives. GET and HEAD bodies are read and dropped.
   */
  private readBody(head: RequestHead, rest: Buffer): Promise<Buffer | ReadableStream<Uint8Array> | undefined> {
    if (head.body.kind === "none") return this.afterBody(rest, undefined);
    if (head.expectsContinue) this.socket.write(CONTINUE);
    const decoder = new BodyDecoder(head.body);
    const keep = head.method !== "GET" && head.method !== "HEAD";
    if (keep && isStreamedBody(head.headers["content-type"])) return Promise.resolve(this.streamBody(decoder, rest));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const timer = setTimeout(() => {
        this.bodySink = undefined;
        // A client's stall, not a server error: a Status, so nothing is logged as a failure.
        reject(errors.badRequest(`the request body did not arrive within ${this.timeouts.bodyMs} ms`));
        this.socket.destroy();
      }, this.timeouts.bodyMs);
      this.bodySink = (chunk) => {
        let got;
        try {
          got = decoder.feed(chunk);
        } catch (e) {
          clearTimeout(timer);
          this.bodySink = undefined;
          return reject(errors.badRequest(String((e as Error).message)));
        }
        for (const d of got.data) {
          if (!keep || size > MAX_BODY_BYTES) continue;
          size += d.length;
          chunks.push(d);
        }
        if (!got.done) return;
        clearTimeout(timer);
        resolve(this.afterBody(got.rest, keep ? Buffer.concat(chunks) : undefined));
      };
      this.socket.resume();
      if (rest.length) this.bodySink(rest);
    });
  }

  /**
   * The body is in: what came after it waits for the next request's turn. The socket goes on
   * being read while the answer is written, as node:http's does, so a client that hangs up is
   * seen at once and a watch or a log follow stops instead of waiting for its next write.
   */
  private afterBody<T>(rest: Buffer | undefined, body: T): Promise<T> {
    this.bodySink = undefined;
    if (rest?.length) this.buffer = this.buffer ? Buffer.concat([rest, this.buffer]) : rest;
    if (!this.buffer || this.buffer.length <= MAX_HEAD_BYTES) this.socket.resume();
    return Promise.resolve(body);
  }

  /**
   * The body as a web stream that pauses the socket while the handler is behind. A client
   * silent for `bodyMs` while the handler waits for more is cut off. After a cancel the rest
   * is still read and dropped, so the connection stays usable.
   */
  private streamBody(decoder: BodyDecoder, rest: Buffer): ReadableStream<Uint8Array> {
    let cancelled = false;
    let ended = false;
    let silence: ReturnType<typeof setTimeout> | undefined;
    const quiet = () => {
      if (silence) clearTimeout(silence);
      silence = undefined;
    };
    const socket = this.socket;
    let ctrl!: ReadableStreamDefaultController<Uint8Array>;
    const fail = (e: Error) => {
      quiet();
      if (!cancelled && !ended) ctrl.error(e);
      ended = true;
    };
    this.closedBody = () => fail(new Error("the client closed the connection before the body ended"));
    this.bodySink = (chunk) => {
      quiet();
      let got;
      try {
        got = decoder.feed(chunk);
      } catch (e) {
        this.bodySink = undefined;
        fail(e as Error);
        socket.destroy();
        return;
      }
      if (!cancelled) for (const d of got.data) if (d.length) ctrl.enqueue(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      if (got.done) {
        ended = true;
        this.closedBody = undefined;
        if (!cancelled) ctrl.close();
        void this.afterBody(got.rest, undefined);
      } else if (!cancelled && (ctrl.desiredSize ?? 1) <= 0) socket.pause();
    };
    return new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          ctrl = c;
          if (rest.length) queueMicrotask(() => this.bodySink?.(rest));
        },
        pull: () => {
          if (!ended && !silence) {
            silence = setTimeout(() => {
              silence = undefined;
              if (ended || cancelled) return;
              fail(new Error(`no request body data for ${this.timeouts.bodyMs} ms`));
              socket.destroy();
            }, this.timeouts.bodyMs);
          }
          if (!ended) socket.resume();
        },
        cancel: () => {
          cancelled = true;
          quiet();
          if (!ended) socket.resume();
        },
      },
      { highWaterMark: 8 },
    );
  }

  /** The answer is written: the next request may come, or the connection ends. */
  private finished(keepAlive: boolean): void {
    if (this.socket.destroyed) return;
    // A body the handler did not read to its end (a cancelled stream) is still being drained.
    if (!keepAlive || this.bodySink) {
      this.bodySink = undefined;
      this.socket.end();
      return;
    }
    this.arm("idle");
    // A client that sends requests and reads no answers would have them pile up here: the
    // next request waits until the last answer has left (or the idle deadline ends it all).
    if (this.socket.writableNeedDrain) {
      this.socket.once("drain", () => this.finished(keepAlive));
      return;
    }
    this.serving = false;
    this.socket.resume();
    if (this.buffer) this.nextHead();
  }

  /**
   * Answers without reading the body and ends the connection: the client may still be sending
   * it, and a next request would start somewhere inside it. Destroyed a moment after the
   * answer, so the client reads it before a reset (Go's server lingers the same way).
   */
  private async refuse(head: RequestHead, response: Response): Promise<void> {
    this.bodySink = undefined;
    this.serving = true;
    await writeResponse({ socket: this.socket, method: head.method, keepAlive: false }, response);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), REFUSE_LINGER_MS).unref?.();
  }

  /** A head that cannot be parsed: Go's plain-text answer, and the connection ends. */
  private refuseHead(e: HeadError): void {
    this.serving = true;
    this.buffer = undefined;
    this.disarm();
    this.socket.pause();
    const reason = { 400: "Bad Request", 431: "Request Header Fields Too Large", 501: "Not Implemented", 505: "HTTP Version Not Supported" }[e.status];
    const text = e.status === 400 ? `400 Bad Request: ${e.message}` : `${e.status} ${reason}`;
    this.socket.end(`HTTP/1.1 ${e.status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n\r\n${text}`);
    setTimeout(() => this.socket.destroy(), REFUSE_LINGER_MS).unref?.();
  }

  private handOver(head: RequestHead, rest: Buffer): void {
    this.disarm();
    this.socket.off("data", this.onData);
    this.socket.off("close", this.onClose);
    const more = this.buffer;
    this.buffer = undefined;
    // Neither flowing nor paused, as node:http hands an upgraded socket over: the taker's first
    // 'data' listener starts the flow, and nothing is read (and lost) before it has one.
    const state = (this.socket as Duplex & { _readableState?: { flowing: boolean | null } })._readableState;
    if (state) state.flowing = null;
    this.handlers.upgrade(head, this.socket, more ? Buffer.concat([rest, more]) : rest);
  }

  private closed(): void {
    this.disarm();
    this.closedBody?.();
    this.current?.abort();
  }

  private arm(deadline: "header" | "idle"): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.handlers.expired?.(deadline);
      this.socket.destroy();
    }, deadline === "header" ? this.timeouts.headerMs : this.timeouts.idleMs);
    this.timer.unref?.();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

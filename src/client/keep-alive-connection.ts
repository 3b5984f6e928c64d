/**
 * One HTTP/1.1 connection of keep-alive-fetcher.ts over TLS: it writes one request at a time
 * and reads its answer, framed by Content-Length, chunked (a watch streams chunk by chunk) or
 * run to the connection's end, into a streamed Response; then hands itself back to its pool.
 * A reused connection that closes before any answer byte gives the request back to be sent
 * again when repeating it is harmless (idempotent methods only).
 */
import { isIP } from "node:net";
import tls from "node:tls";
import { BodyDecoder } from "../lib/http1-body-decoder.ts";

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
/** A response head longer than this is refused (the API's are a few hundred bytes). */
const MAX_HEAD_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);
const HEAD_END = Buffer.from("\r\n\r\n");

export interface Exchange {
  method: string;
  head: Buffer;
  body: Uint8Array | undefined;
  signal: AbortSignal | undefined;
  resolve(r: Response): void;
  reject(e: unknown): void;
  /** Sent again once already (a reused connection closed under it). */
  retried: boolean;
}

/** Where a connection is in reading the current answer. */
type Reading = { at: "head" } | { at: "body"; decoder: BodyDecoder } | { at: "close" };

/** The part of Bun's fetch `tls` option this fetcher honours. */
export interface TlsInit {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
}

export interface ConnectionEvents {
  /** Connected and the TLS handshake done: requests may be sent. */
  ready(c: Connection): void;
  release(c: Connection): void;
  /** The connection is gone (`err` says why); `unanswered` is a request to send again elsewhere. */
  closed(c: Connection, unanswered: Exchange | undefined, err: unknown): void;
}

export class Connection {
  private readonly socket: tls.TLSSocket;
  private buf: Buffer = EMPTY;
  private ex: Exchange | undefined;
  private reading: Reading = { at: "head" };
  private stream: ReadableStreamDefaultController<Uint8Array> | undefined;
  private keepAlive = true;
  private answered = 0;
  private gotBytes = false;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private gone = false;
  private setupTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set up: connected, handshake done. */
  isReady = false;
  private readonly onAbort = () => this.fail(this.ex?.signal?.reason ?? new Error("aborted"), false);

  constructor(host: string, port: number, o: TlsInit & { setupMs?: number }, private readonly events: ConnectionEvents) {
    this.socket = tls.connect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      rejectUnauthorized: o.rejectUnauthorized ?? true,
      ALPNProtocols: ["http/1.1"],
    });
    this.socket.setNoDelay(true);
    const setupMs = o.setupMs ?? 10_000;
    this.setupTimer = setTimeout(() => this.fail(Object.assign(new Error(`connection to ${host}:${port} not set up within ${setupMs / 1000} s (TCP connect and TLS handshake)`), { code: "ETIMEDOUT" }), false), setupMs);
    this.socket.once("secureConnect", () => {
      clearTimeout(this.setupTimer);
      this.setupTimer = undefined;
      if (this.gone) return;
      this.isReady = true;
      this.events.ready(this);
    });
    this.socket.on("data", (d: Buffer) => this.onData(d));
    this.socket.on("error", (e) => this.fail(e, true));
    this.socket.on("close", () => this.fail(Object.assign(new Error("The socket connection was closed unexpectedly"), { code: "ECONNRESET" }), true));
  }

  send(ex: Exchange): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.socket.ref();
    this.ex = ex;
    this.reading = { at: "head" };
    this.gotBytes = false;
    ex.signal?.addEventListener("abort", this.onAbort, { once: true });
    this.socket.write(ex.head);
    if (ex.body?.byteLength) this.socket.write(ex.body);
  }

  idleFor(ms: number): void {
    this.socket.unref();
    this.idleTimer = setTimeout(() => this.close(), ms);
    this.idleTimer.unref?.();
  }

  private close(): void {
    if (this.gone) return;
    this.gone = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.socket.destroy();
    this.events.closed(this, undefined, new Error("closed when idle"));
  }

  /** The connection broke (or the request was given up): the request in flight fails, or is sent again. */
  private fail(err: unknown, byPeer: boolean): void {
    if (this.gone) return;
    this.gone = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.setupTimer) clearTimeout(this.setupTimer);
    this.socket.destroy();
    const ex = this.ex;
    this.ex = undefined;
    ex?.signal?.removeEventListener("abort", this.onAbort);
    let again: Exchange | undefined;
    if (ex && this.stream) {
      // A body that runs to the connection's end ends here; any other is cut short.
      if (this.reading.at === "close" && byPeer) this.stream.close();
      else this.stream.error(err);
      this.stream = undefined;
    } else if (ex && this.reading.at === "head") {
      if (byPeer && !this.gotBytes && this.answered > 0 && !ex.retried && IDEMPOTENT.has(ex.method)) again = { ...ex, retried: true };
      else ex.reject(err);
    }
    this.events.closed(this, again, err);
  }

  private onData(d: Buffer): void {
    this.gotBytes = true;
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    try {
      while (this.ex && this.step());
    } catch (e) {
      this.fail(e, false);
      return;
    }
    if (!this.ex && this.buf.length && !this.gone) this.fail(new Error("the server sent bytes nobody asked for"), false);
  }

  /** Reads what it can of the current answer; false when it needs more bytes. */
  private step(): boolean {
    const r = this.reading;
    switch (r.at) {
      case "head": {
        const end = this.buf.indexOf(HEAD_END);
        if (end < 0) {
          if (this.buf.length > MAX_HEAD_BYTES) throw new Error("the server's response head is too long");
          return false;
        }
        const text = this.buf.subarray(0, end).toString("latin1");
        this.buf = this.buf.subarray(end + 4);
        this.startAnswer(text);
        return true;
      }
      case "body": {
        if (!this.buf.length) return false;
        const got = r.decoder.feed(this.buf);
        for (const d of got.data) if (d.length) this.emit(d);
        this.buf = got.rest ?? EMPTY;
        if (!got.done) return false;
        this.finish();
        return true;
      }
      case "close":
        if (!this.buf.length) return false;
        this.emit(this.buf);
        this.buf = EMPTY;
        return false;
    }
  }

  private startAnswer(text: string): void {
    const lines = text.split("\r\n");
    const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]!);
    if (!m) throw new Error(`the server's answer does not start with an HTTP/1.x status line: ${JSON.stringify(lines[0]!.slice(0, 80))}`);
    const status = Number(m[2]);
    // 100 Continue and other interim answers precede the real one.
    if (status >= 100 && status < 200) return;
    const headers = new Headers();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    const connection = headers.get("connection")?.toLowerCase() ?? "";
    this.keepAlive = m[1] === "1" ? !connection.includes("close") : connection.includes("keep-alive");
    const ex = this.ex!;
    const length = headers.get("content-length");
    const chunked = headers.get("transfer-encoding")?.toLowerCase().includes("chunked") ?? false;
    const noBody = ex.method === "HEAD" || status === 204 || status === 304;
    if (noBody || (!chunked && length !== null && Number(length) === 0)) {
      ex.resolve(new Response(noBody ? null : "", { status, statusText: m[3] ?? "", headers }));
      this.finish();
      return;
    }
    ex.resolve(new Response(new ReadableStream<Uint8Array>({
      start: (c) => {
        this.stream = c;
      },
      // A reader that gives up mid-body (a watch stopped) leaves the connection unusable.
      cancel: () => {
        if (this.ex === ex) this.fail(new Error("response body cancelled"), false);
      },
    }), { status, statusText: m[3] ?? "", headers }));
    if (chunked) this.reading = { at: "body", decoder: new BodyDecoder({ kind: "chunked" }) };
    else if (length !== null) {
      const n = Number(length);
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`invalid Content-Length ${JSON.stringify(length)}`);
      this.reading = { at: "body", decoder: new BodyDecoder({ kind: "length", length: n }) };
    } else {
      this.keepAlive = false;
      this.reading = { at: "close" };
    }
  }

  private emit(bytes: Buffer): void {
    // Copied: the read buffer is reused for what follows.
    this.stream?.enqueue(new Uint8Array(bytes));
  }

  /** The answer is complete: the connection goes back to the pool, or away. */
  private finish(): void {
    const ex = this.ex!;
    ex.signal?.removeEventListener("abort", this.onAbort);
    this.ex = undefined;
    this.stream?.close();
    this.stream = undefined;
    this.answered++;
    this.reading = { at: "head" };
    if (this.keepAlive && !this.buf.length) this.events.release(this);
    else this.close();
  }
}

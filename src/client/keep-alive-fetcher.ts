/**
 * A fetch that keeps its own HTTP/1.1 connections, for clients that must each hold theirs:
 * N hollow nodes in one process, each with its own client certificate. Bun's fetch keeps at
 * most 64 idle connections for the whole process (Bun 1.4.5, measured with distinct client
 * certificates: 50 identities taking turns reused them; 100 opened a new TLS connection for
 * every request, 87 requests/s instead of ~1,600), so a thousand hollow nodes paid a full
 * mutual-TLS handshake on both sides for every status write, lease renewal and event.
 *
 * The key material is each request's `tls` option (what RestClient passes Bun's fetch), over
 * the defaults given here; connections are pooled per origin and client certificate, so a
 * renewed certificate (RestClient.useCredentials) is presented on new connections at once
 * while requests under way finish on theirs, and the old ones close when idle.
 *
 * One identity gets up to `maxSockets` connections per origin, reused
 * (most recently used first) until idle for `idleMs` — shorter than the API server's idle
 * timeout (90 s), so it is the client that closes an idle connection, not a request that
 * races the server's close. Bodies are framed by Content-Length, chunked (a watch streams
 * chunk by chunk) or run to the connection's end. A request that finds its reused connection
 * closed before any answer byte is sent again on a new one if repeating it is harmless
 * (Go's http.Transport rule: idempotent methods only).
 *
 * Request bodies are strings or bytes; anything else (a file streamed as an upload) goes
 * through Bun's fetch, which streams it.
 *
 * @example
 *   const client = new RestClient(cfg, keepAliveFetcher({ maxSockets: 2 }));
 */
import { Connection, type Exchange, type TlsInit } from "./keep-alive-connection.ts";
import type { Fetcher } from "./rest-client.ts";

/** TLS defaults (PEM text, rejectUnauthorized default true); a request's own `tls` option wins. */
export interface KeepAliveOptions extends TlsInit {
  /** Connections per origin at once; more requests wait for one. Default 4. */
  maxSockets?: number;
  /** An idle connection is closed after this long. Default 30 s. */
  idleMs?: number;
  /** A connection not set up (connected and TLS handshake done) within this fails. Default 10 s, client-go's TLSHandshakeTimeout. */
  setupMs?: number;
  /** The setups this fetcher's connections wait for; default the process's, 16 at once. */
  gate?: SetupGate;
}

export function keepAliveFetcher(o: KeepAliveOptions = {}): Fetcher {
  const pools = new Map<string, Pool>();
  return (url, init) => {
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array)) return fetch(url, init);
    const u = new URL(url);
    if (u.protocol !== "https:") return fetch(url, init);
    const tls: KeepAliveOptions = { ...o, ...definedOf((init as RequestInit & { tls?: TlsInit }).tls) };
    const key = `${u.host}\n${tls.cert ?? ""}`;
    const pool = pools.get(key) ?? pools.set(key, new Pool(u.hostname, Number(u.port || 443), tls, o.gate ?? processGate)).get(key)!;
    return new Promise<Response>((resolve, reject) => {
      const method = (init.method ?? "GET").toUpperCase();
      const bytes = typeof body === "string" ? Buffer.from(body) : (body ?? undefined);
      let head: Buffer;
      try {
        head = requestHead(method, u, init.headers, bytes);
      } catch (e) {
        reject(e);
        return;
      }
      if (init.signal?.aborted) {
        reject(init.signal.reason);
        return;
      }
      pool.dispatch({ method, head, body: bytes, signal: init.signal ?? undefined, resolve, reject, retried: false });
    });
  };
}

function definedOf(t: TlsInit | undefined): TlsInit {
  const out: TlsInit = {};
  if (t?.ca !== undefined) out.ca = t.ca;
  if (t?.cert !== undefined) out.cert = t.cert;
  if (t?.key !== undefined) out.key = t.key;
  if (t?.rejectUnauthorized !== undefined) out.rejectUnauthorized = t.rejectUnauthorized;
  return out;
}

function requestHead(method: string, u: URL, headers: RequestInit["headers"], body: Uint8Array | undefined): Buffer {
  const lines = [`${method} ${u.pathname}${u.search} HTTP/1.1`, `host: ${u.host}`];
  for (const [k, v] of new Headers(headers)) {
    if (k === "host" || k === "content-length" || k === "connection" || k === "transfer-encoding") continue;
    lines.push(`${k}: ${v}`);
  }
  // Headers() already refuses CR and LF in values, so a value cannot split the head.
  if (body !== undefined || method === "POST" || method === "PUT" || method === "PATCH") lines.push(`content-length: ${body?.byteLength ?? 0}`);
  return Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
}

class Pool {
  private readonly idle: Connection[] = [];
  private readonly waiting: Exchange[] = [];
  /** Connections open or being set up. */
  private open = 0;
  /** Of those, the ones still waiting for the gate or shaking hands. */
  private settingUp = 0;
  private readonly max: number;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly o: KeepAliveOptions,
    private readonly gate: SetupGate,
  ) {
    this.max = Math.max(1, o.maxSockets ?? 4);
  }

  dispatch(ex: Exchange): void {
    const conn = this.idle.pop();
    if (conn) return conn.send(ex);
    this.waiting.push(ex);
    // A request given up while it waited leaves the queue.
    ex.signal?.addEventListener("abort", () => {
      const i = this.waiting.indexOf(ex);
      if (i < 0) return;
      this.waiting.splice(i, 1);
      ex.reject(ex.signal!.reason);
    }, { once: true });
    this.grow();
  }

  /**
   * Starts a setup for each waiting request no setup is under way for yet. The request takes
   * whichever connection is ready first, a new one or one a finished answer frees (Go's
   * http.Transport races them the same way), so a node whose second connection waits for the
   * gate goes on over its first.
   */
  private grow(): void {
    while (this.waiting.length > this.settingUp && this.open < this.max) {
      this.open++;
      this.settingUp++;
      this.gate.enter(() => this.connect());
    }
  }

  private connect(): void {
    if (!this.waiting.length) return this.setupEnded(false); // served meanwhile by a freed connection
    try {
      new Connection(this.host, this.port, this.o, {
        ready: (c) => {
          this.setupEnded(true);
          this.release(c);
        },
        release: (c) => this.release(c),
        closed: (c, unanswered, err) => this.closed(c, unanswered, err),
      });
    } catch (e) {
      // Key material that cannot be read: the request that asked for it fails, holding no slot.
      this.setupFailed(e);
    }
  }

  /** A setup ended, with a connection to keep or without one. */
  private setupEnded(connected: boolean): void {
    this.settingUp--;
    if (!connected) this.open--;
    this.gate.leave();
  }

  /** One waiting request fails per failed setup, as each fetch of a server that is down fails. */
  private setupFailed(err: unknown): void {
    this.setupEnded(false);
    this.waiting.shift()?.reject(err);
    this.grow();
  }

  private release(c: Connection): void {
    while (this.waiting.length) {
      const next = this.waiting.shift()!;
      if (next.signal?.aborted) continue;
      return c.send(next);
    }
    this.idle.push(c);
    c.idleFor(this.o.idleMs ?? 30_000);
  }

  private closed(c: Connection, unanswered: Exchange | undefined, err: unknown): void {
    if (!c.isReady) return this.setupFailed(err);
    this.open--;
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    if (unanswered) this.dispatch(unanswered);
    else this.grow();
  }
}

/**
 * Limits the connection setups (TCP connect and TLS handshake) under way at once across every
 * fetcher that shares it. A thousand hollow nodes opening their second connection at the same
 * moment put a thousand handshakes, each signing with its client key, on one busy thread;
 * many outlasted the API server's handshake deadline (10 s), were closed, and came back as
 * more handshakes. Taken a few at a time, each is short as the server sees it.
 */
export class SetupGate {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Runs `start` now or when a setup ends; `start` must lead to exactly one `leave`. */
  enter(start: () => void): void {
    if (this.running < this.limit) {
      this.running++;
      start();
    } else this.queue.push(start);
  }

  leave(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.running--;
  }

  /** Setups under way and waiting, for tests and metrics. */
  get load(): { running: number; queued: number } {
    return { running: this.running, queued: this.queue.length };
  }
}

/** The gate every fetcher shares unless given its own: the limit is the process's. */
const processGate = new SetupGate(16);

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
}

export function keepAliveFetcher(o: KeepAliveOptions = {}): Fetcher {
  const pools = new Map<string, Pool>();
  return (url, init) => {
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array)) return fetch(url, init);
    const u = new URL(url);
    if (u.protocol !== "https:") return fetch(url, init);
    const tls = { ...o, ...definedOf((init as RequestInit & { tls?: TlsInit }).tls) };
    const key = `${u.host}\n${tls.cert ?? ""}`;
    const pool = pools.get(key) ?? pools.set(key, new Pool(u.hostname, Number(u.port || 443), tls)).get(key)!;
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
  private open = 0;
  private readonly max: number;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly o: KeepAliveOptions,
  ) {
    this.max = Math.max(1, o.maxSockets ?? 4);
  }

  dispatch(ex: Exchange): void {
    const conn = this.idle.pop();
    if (conn) return conn.send(ex);
    if (this.open < this.max) {
      let conn: Connection;
      try {
        conn = this.connect();
      } catch (e) {
        ex.reject(e);
        return;
      }
      return conn.send(ex);
    }
    this.waiting.push(ex);
    // A request given up while it waited leaves the queue.
    ex.signal?.addEventListener("abort", () => {
      const i = this.waiting.indexOf(ex);
      if (i < 0) return;
      this.waiting.splice(i, 1);
      ex.reject(ex.signal!.reason);
    }, { once: true });
  }

  private connect(): Connection {
    // Counted once it exists: bad key material throws here, and must not hold a slot.
    const conn = new Connection(this.host, this.port, this.o, {
      release: (c) => this.release(c),
      closed: (c, unanswered) => this.closed(c, unanswered),
    });
    this.open++;
    return conn;
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

  private closed(c: Connection, unanswered: Exchange | undefined): void {
    this.open--;
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    if (unanswered) this.dispatch(unanswered);
    else if (this.waiting.length && this.open < this.max) this.dispatch(this.waiting.shift()!);
  }
}

/**
 * A small Kubernetes REST client over Bun's fetch with client certificates. Errors come back
 * as StatusError, decoded from the server's Status body; watches are async iterators.
 * Used by `k3rs ctl` (and by agents and out-of-process controllers later).
 */
import { StatusError, type StatusDetails, type StatusReason } from "../model/errors.ts";
import type { ClientConfig } from "./kubeconfig.ts";

export interface RequestOptions {
  method?: string;
  body?: unknown;
  contentType?: string;
  accept?: string;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
}

/** ERROR events are not yielded: the watch throws their Status as a StatusError instead. */
export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";
  object: any;
}

/** Bun's fetch by default; in-process tests hand in one that calls the API app directly. */
export type Fetcher = (url: string, init: RequestInit) => Promise<Response>;

/**
 * A watch that asked for bookmarks and has heard nothing for this long is taken for dead. The
 * server sends an idle watch a bookmark every 15 s, so this is three of them missed: the
 * server's box lost power or was cut off and came back with a new process, while this end of
 * the connection, which only reads, was never told (no FIN reached it, and it sends nothing
 * that could earn an RST). Such a watch would otherwise wait forever, and its informer with
 * it. client-go's HTTP/2 health check gives up after 30 s idle + 15 s unanswered ping.
 */
export const WATCH_IDLE_MS = 45_000;

export interface RestClientOptions {
  /** See WATCH_IDLE_MS; tests shorten it. */
  watchIdleMs?: number;
}

/** A watch given up on for silence (see WATCH_IDLE_MS); its informer watches again. */
export class WatchIdleError extends Error {
  constructor(path: string, idleMs: number) {
    super(`watch ${path}: nothing from the server for ${idleMs / 1000} s, though it sends bookmarks; the connection is taken for dead`);
    this.name = "WatchIdleError";
  }
}

export class RestClient {
  private readonly watchIdleMs: number;

  constructor(
    readonly config: ClientConfig,
    private readonly fetcher: Fetcher = (url, init) => fetch(url, init),
    options: RestClientOptions = {},
  ) {
    this.watchIdleMs = options.watchIdleMs ?? WATCH_IDLE_MS;
  }

  /**
   * Present another client certificate from now on (a node's renewed one): requests made after
   * this carry it; those under way, and a watch already open, finish on their connection.
   */
  useCredentials(pair: { certPem: string; keyPem: string }): void {
    this.config.cert = pair.certPem;
    this.config.key = pair.keyPem;
  }

  private url(path: string, query?: RequestOptions["query"]): string {
    const u = new URL(this.config.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") u.searchParams.set(k, String(v));
    return u.toString();
  }

  async raw(path: string, o: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: o.accept ?? "application/json" };
    if (this.config.token) headers.authorization = `Bearer ${this.config.token}`;
    let body: string | Blob | Uint8Array | ReadableStream<Uint8Array> | undefined;
    if (o.body !== undefined) {
      // Files and streams (image archives, counted as they go) are sent as they are; objects as JSON.
      const binary = o.body instanceof Blob || o.body instanceof Uint8Array || o.body instanceof ReadableStream;
      body = typeof o.body === "string" || binary ? (o.body as string | Blob | Uint8Array | ReadableStream<Uint8Array>) : JSON.stringify(o.body);
      headers["content-type"] = o.contentType ?? (binary ? "application/octet-stream" : "application/json");
    }
    try {
      return await this.fetcher(this.url(path, o.query), {
        method: o.method ?? "GET",
        headers,
        body,
        signal: o.signal,
        tls: { ca: this.config.ca, cert: this.config.cert, key: this.config.key, rejectUnauthorized: !this.config.insecure },
      } as RequestInit);
    } catch (cause) {
      throw new Error(`cannot reach the server at ${this.config.server}: ${(cause as Error).message}`, { cause });
    }
  }

  async request<T = any>(path: string, o: RequestOptions = {}): Promise<T> {
    const res = await this.raw(path, o);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) throw toStatusError(res.status, parsed, text);
    return parsed as T;
  }

  /** The response of a request whose body is a stream (a followed log); a failure is its StatusError. */
  async stream(path: string, o: RequestOptions = {}): Promise<Response> {
    const res = await this.raw(path, o);
    if (!res.ok) {
      const text = await res.text();
      throw toStatusError(res.status, safeJson(text), text);
    }
    return res;
  }

  /**
   * Streams watch events (one JSON object per line) until the server ends the stream or
   * `o.signal` aborts. Pass `query.resourceVersion` to resume and `allowWatchBookmarks`: with
   * it, a watch silent for longer than WATCH_IDLE_MS throws WatchIdleError.
   * @example
   *   for await (const ev of client.watch("/api/v1/pods", { signal, query: { resourceVersion: rv } })) …
   */
  async *watch(path: string, o: RequestOptions = {}): AsyncGenerator<WatchEvent> {
    const idle = o.query?.allowWatchBookmarks ? new IdleWatchdog(this.watchIdleMs, () => new WatchIdleError(path, this.watchIdleMs)) : undefined;
    const signal = idle ? (o.signal ? AbortSignal.any([o.signal, idle.signal]) : idle.signal) : o.signal;
    let reader: ReturnType<ReadableStream<Uint8Array>["getReader"]> | undefined;
    try {
      const res = await this.raw(path, { ...o, signal, query: { ...o.query, watch: 1 } });
      if (!res.ok) {
        const text = await res.text();
        throw toStatusError(res.status, safeJson(text), text);
      }
      const body = res.body!.getReader();
      reader = body;
      const dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await body.read();
        if (done) return;
        idle?.heard();
        buf += dec.decode(value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const ev = JSON.parse(line);
          // An ERROR event ends the stream with a Status (410 Gone when the resourceVersion was
          // compacted): thrown, so that an informer's `catch` relists in one place.
          if (ev.type === "ERROR") throw toStatusError(ev.object?.code ?? 500, ev.object, line);
          yield ev as WatchEvent;
        }
      }
    } catch (e) {
      // However the abort surfaced (the fetch, the body's read), a silence says so itself.
      throw idle?.signal.aborted && !o.signal?.aborted ? idle.signal.reason : e;
    } finally {
      idle?.stop();
      await reader?.cancel().catch(() => {});
    }
  }
}

/**
 * Aborts its signal once nothing was heard for `ms`. One check a third of `ms` apart, not a
 * timer re-armed per chunk: an agent of hollow nodes holds a thousand watches.
 */
class IdleWatchdog {
  private readonly ac = new AbortController();
  private last = Date.now();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(ms: number, reason: () => Error) {
    this.timer = setInterval(() => {
      if (Date.now() - this.last >= ms) {
        this.stop();
        this.ac.abort(reason());
      }
    }, Math.max(1, Math.floor(ms / 3)));
  }

  get signal(): AbortSignal {
    return this.ac.signal;
  }

  heard(): void {
    this.last = Date.now();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A Status body becomes its StatusError; anything else (a proxy's HTML page) keeps its text, with the reason its code implies. */
export function toStatusError(code: number, body: unknown, text: string): StatusError {
  // Any JSON at all; each field is only trusted once kind says Status.
  const s = body as { kind?: unknown; code?: number; reason?: string; message?: string; details?: StatusDetails } | null | undefined;
  if (s?.kind === "Status") return new StatusError(s.code || code, (s.reason || REASON_BY_CODE[code] || "InternalError") as StatusReason, s.message ?? text, s.details);
  return new StatusError(code, REASON_BY_CODE[code] ?? "InternalError", text.trim() || `the server responded with HTTP ${code}`);
}

/** apimachinery's reasons for a bare code (`errors.NewGenericServerResponse`). */
const REASON_BY_CODE: Record<number, StatusReason> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Gone",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  503: "ServiceUnavailable",
  504: "Timeout",
};

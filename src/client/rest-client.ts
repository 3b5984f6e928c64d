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

export class RestClient {
  constructor(
    readonly config: ClientConfig,
    private readonly fetcher: Fetcher = (url, init) => fetch(url, init),
  ) {}

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
    let body: string | Blob | Uint8Array | undefined;
    if (o.body !== undefined) {
      // Files (image archives) go as they are, streamed by fetch; objects as JSON.
      const binary = o.body instanceof Blob || o.body instanceof Uint8Array;
      body = typeof o.body === "string" || binary ? (o.body as string | Blob | Uint8Array) : JSON.stringify(o.body);
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
   * `o.signal` aborts. Pass `query.resourceVersion` to resume and `allowWatchBookmarks`.
   * @example
   *   for await (const ev of client.watch("/api/v1/pods", { signal, query: { resourceVersion: rv } })) …
   */
  async *watch(path: string, o: RequestOptions = {}): AsyncGenerator<WatchEvent> {
    const res = await this.raw(path, { ...o, query: { ...o.query, watch: 1 } });
    if (!res.ok) {
      const text = await res.text();
      throw toStatusError(res.status, safeJson(text), text);
    }
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
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
    } finally {
      await reader.cancel().catch(() => {});
    }
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

/**
 * A small Kubernetes REST client over Bun's fetch with client certificates. Errors come back
 * as StatusError, decoded from the server's Status body; watches are async iterators.
 * Used by `k3rs ctl` (and by agents and out-of-process controllers later).
 */
import { StatusError, type StatusReason } from "../model/errors.ts";
import type { ClientConfig } from "./kubeconfig.ts";

export interface RequestOptions {
  method?: string;
  body?: unknown;
  contentType?: string;
  accept?: string;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
}

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: any;
}

export class RestClient {
  constructor(readonly config: ClientConfig) {}

  private url(path: string, query?: RequestOptions["query"]): string {
    const u = new URL(this.config.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") u.searchParams.set(k, String(v));
    return u.toString();
  }

  async raw(path: string, o: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: o.accept ?? "application/json" };
    if (this.config.token) headers.authorization = `Bearer ${this.config.token}`;
    let body: string | undefined;
    if (o.body !== undefined) {
      body = typeof o.body === "string" ? o.body : JSON.stringify(o.body);
      headers["content-type"] = o.contentType ?? "application/json";
    }
    try {
      return await fetch(this.url(path, o.query), {
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
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) throw toStatusError(res.status, parsed, text);
    return parsed as T;
  }

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
          if (line) yield JSON.parse(line) as WatchEvent;
        }
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toStatusError(code: number, body: any, text: string): StatusError {
  if (body?.kind === "Status") return new StatusError(body.code ?? code, (body.reason ?? "InternalError") as StatusReason, body.message ?? text, body.details);
  return new StatusError(code, "InternalError", text.trim() || `HTTP ${code}`);
}

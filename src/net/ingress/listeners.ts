/**
 * The ingress's Bun.serve listeners: HTTP on each configured address and, once a default
 * certificate exists, HTTPS with one `tls` entry per server name (SNI).
 *
 * Bun.serve's `reload()` swaps handlers but not certificates (measured on Bun 1.4.5: the old
 * certificate is still served after `reload({ tls })`). A certificate change therefore starts
 * a second HTTPS server on the same address with SO_REUSEPORT and stops the old one
 * gracefully a moment later: open connections (keep-alive, WebSockets, streams) finish on the
 * old server. Every HTTPS server is started with `reusePort` so that the two can overlap.
 * Measured (100 swaps 30 ms apart under 8 lanes of new-connection HTTPS requests, Bun
 * 1.4.5, `bun bench/ingress.ts`): stopping the old server at once reset 7–15 of ~1300
 * connections (ECONNRESET); keeping it listening 1 s before its graceful stop reset 0–2 of
 * ~1300 over five runs (what remains is the old listener's accept queue when it closes).
 * During that second a new connection may still get the old certificate.
 */
import type { Server } from "bun";
import { log } from "../../log.ts";
import { type HandlerDeps, ingressHandler } from "./http-proxy.ts";
import { type TlsEntry, sameEntries } from "./tls-table.ts";
import { type RelayData, relayHandlers } from "./websocket-proxy.ts";

export interface ListenAddress {
  hostname: string;
  /** 0 picks a free port (tests); the bound port is then kept across certificate swaps */
  port: number;
}

export interface ListenersOptions extends HandlerDeps {
  http: ListenAddress[];
  https: ListenAddress[];
  /** how often a failed bind is retried (default 5000) */
  bindRetryMs?: number;
  /** how long a replaced HTTPS server keeps listening before its graceful stop (default 1000) */
  tlsDrainMs?: number;
  /** an idle client connection is closed after this long (default 60, nginx's keepalive_timeout is 75; Bun allows ≤ 255) */
  idleTimeoutSeconds?: number;
}

interface Slot {
  want: ListenAddress;
  proto: "http" | "https";
  server?: Server<RelayData>;
  /** the port actually bound, reused when the server is replaced */
  port?: number;
  error?: string;
}

export class IngressListeners {
  private readonly slots: Slot[];
  private tls?: TlsEntry[];
  private active = false;
  private retryTimer?: ReturnType<typeof setTimeout>;
  /** replaced HTTPS servers still listening out their drain time */
  private readonly draining = new Set<{ server: Server<RelayData>; timer: ReturnType<typeof setTimeout> }>();

  constructor(private readonly o: ListenersOptions) {
    this.slots = [...o.http.map((want) => ({ want, proto: "http" as const })), ...o.https.map((want) => ({ want, proto: "https" as const }))];
  }

  /** Opens every listener it can (HTTPS only with certificates); retries the rest. */
  open(): void {
    this.active = true;
    this.sync();
  }

  /** New certificate set: HTTPS servers are replaced only when it differs from the current one. */
  setTls(entries: TlsEntry[] | undefined): void {
    if (sameEntries(entries, this.tls)) return;
    this.tls = entries;
    if (!this.active) return;
    for (const s of this.slots) if (s.proto === "https") this.replace(s);
  }

  /** Closes every listener; open connections are cut unless `graceful`. */
  async close(graceful = false): Promise<void> {
    this.active = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const drained = [...this.draining].map((d) => {
      clearTimeout(d.timer);
      return d.server.stop(!graceful);
    });
    this.draining.clear();
    await Promise.all(drained);
    await Promise.all(
      this.slots.map(async (s) => {
        const srv = s.server;
        s.server = undefined;
        s.port = undefined;
        await srv?.stop(!graceful);
      }),
    );
  }

  /** What is bound: `http://127.0.0.5:8080` etc., with any bind errors. */
  state(): { proto: "http" | "https"; hostname: string; port?: number; error?: string }[] {
    return this.slots.map((s) => ({ proto: s.proto, hostname: s.want.hostname, port: s.server ? s.port : undefined, error: s.error }));
  }

  /** The port bound for the first listener of `proto` (tests bind port 0). */
  port(proto: "http" | "https"): number | undefined {
    return this.slots.find((s) => s.proto === proto && s.server)?.port;
  }

  private sync(): void {
    let failed = false;
    for (const s of this.slots) {
      if (s.server) continue;
      if (s.proto === "https" && !this.tls) continue;
      if (!this.start(s)) failed = true;
    }
    if (failed && this.active && !this.retryTimer) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (this.active) this.sync();
      }, this.o.bindRetryMs ?? 5000);
    }
  }

  private replace(s: Slot): void {
    const old = s.server;
    s.server = undefined;
    if (this.tls) {
      if (!this.start(s)) {
        // Keep serving the old certificates rather than nothing; the retry replaces it later.
        s.server = old;
        return;
      }
      this.o.metrics.tlsReloads.inc();
    }
    if (!old) return;
    const d = {
      server: old,
      timer: setTimeout(() => {
        this.draining.delete(d);
        void old.stop(false);
      }, this.o.tlsDrainMs ?? 1000),
    };
    this.draining.add(d);
  }

  private start(s: Slot): boolean {
    const port = s.port ?? s.want.port;
    try {
      const handler = ingressHandler(this.o, s.proto);
      const server = Bun.serve<RelayData>({
        hostname: s.want.hostname,
        port,
        reusePort: s.proto === "https",
        ...(s.proto === "https" ? { tls: this.tls!.map((e) => ({ ...e })) } : {}),
        fetch: (req, srv) => handler(req, srv),
        websocket: relayHandlers(this.o.metrics),
        // Streams of unknown length lift it per request (http-proxy.ts).
        idleTimeout: this.o.idleTimeoutSeconds ?? 60,
        error: (e) => {
          this.o.metrics.request(500);
          log.warn("ingress: request failed", { error: e.message });
          return new Response("500 Internal Server Error\n", { status: 500 });
        },
      });
      s.server = server;
      s.port = server.port;
      s.error = undefined;
      return true;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      if (s.error !== error) log.warn("ingress: cannot listen", { address: `${s.proto}://${s.want.hostname}:${port}`, error });
      s.error = error;
      this.o.metrics.error("bind");
      return false;
    }
  }
}

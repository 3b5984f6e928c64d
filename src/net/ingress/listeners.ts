/**
 * The ingress's Bun.serve listeners: HTTP on each configured address and, once a default
 * certificate exists, HTTPS with one `tls` entry per server name (SNI).
 *
 * Bun.serve's `reload()` swaps handlers but not certificates (measured on Bun 1.4.5: the old
 * certificate is still served after `reload({ tls })`), and Bun.serve takes no SNI callback.
 * A certificate change therefore starts a second HTTPS server on the same address with
 * SO_REUSEPORT and then stops the old one gracefully: open connections (keep-alive,
 * WebSockets, streams) finish on the old server. Every HTTPS server is started with
 * `reusePort` so that the two can overlap.
 *
 * While both listen, the kernel spreads new connections over the two, so the old one hands
 * out the old certificates (the e2e saw the default certificate for a name whose Secret had
 * just arrived, between right answers); and closing a listener resets the connections in its
 * accept queue. With `tcp_migrate_req` on (listener-migration.ts) the queue moves to the new
 * listener instead, so the old one is stopped at once. Measured with `bun bench/ingress.ts`
 * (100 swaps 30 ms apart under 8 lanes of new TLS connections, Bun 1.4.5, kernel 6.18, two
 * runs each): old server kept listening 1 s, no migration: 7–10 of ~1,400 connections reset,
 * 400–470 got a certificate older than the one current when they connected; stopped at once
 * with migration: 0 reset of 1,100–2,600, 13–109 older certificates (handshakes the old server
 * had taken before it stopped); stopped at once without migration: 211 of ~1,860 reset. When
 * the knob cannot be set (not root, older kernel) the old server keeps listening `tlsDrainMs`.
 */
import type { Server } from "bun";
import { log } from "../../log.ts";
import { type HandlerDeps, ingressHandler } from "./http-proxy.ts";
import { enableListenerMigration } from "./listener-migration.ts";
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
  /** how long a replaced HTTPS server keeps listening before its graceful stop (default 0 with `migrateOnClose`, else 1000) */
  tlsDrainMs?: number;
  /** turn on the kernel's accept-queue migration (listener-migration.ts) so a replaced HTTPS server can stop at once */
  migrateOnClose?: boolean;
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

  /** how long a replaced HTTPS server keeps listening */
  private readonly drainMs: number;

  constructor(private readonly o: ListenersOptions) {
    this.drainMs = o.tlsDrainMs ?? (o.migrateOnClose && enableListenerMigration() ? 0 : 1000);
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
    if (this.drainMs <= 0) {
      void old.stop(false);
      return;
    }
    const d = {
      server: old,
      timer: setTimeout(() => {
        this.draining.delete(d);
        void old.stop(false);
      }, this.drainMs),
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

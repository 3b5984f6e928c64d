/**
 * The agent's end of the tunnel: keeps ONE WebSocket to `wss://server/v1-k3rs/connect`,
 * authenticated by the node's client certificate, and hands every stream the server opens to
 * `serve` (which connects it to the agent's local API). When the connection drops it
 * reconnects with exponential back-off (1 s doubling to 30 s, jittered), until `signal`.
 */
import { TunnelSession, type SessionOptions } from "./session.ts";
import type { TunnelStream } from "./stream.ts";
import { webSocketTransport, type WebSocketLike } from "./transport.ts";
import { CONNECT_PATH } from "./protocol.ts";
import { log } from "../log.ts";
import { sleep } from "../lib/sleep.ts";

export interface TunnelTls {
  ca?: string;
  cert: string;
  key: string;
}

export interface TunnelClientOptions {
  /** The server's base URL, `https://host:port`. */
  server: string;
  /**
   * The node's credentials; `ca` verifies the server. A function is asked at every connection,
   * so a renewed certificate is presented when the tunnel reconnects.
   */
  tls: TunnelTls | (() => TunnelTls);
  /** Streams the server opens. */
  serve(stream: TunnelStream): void;
  signal: AbortSignal;
  backoff?: { initialMs?: number; maxMs?: number };
  session?: Pick<SessionOptions, "pingMs" | "idleMs">;
  /** Opens the WebSocket; default: Bun's WebSocket presenting the node certificate. */
  connect?: (url: string) => WebSocketLike;
  /** For logs. */
  nodeName?: string;
}

/** A connection that lasted this long was good: the back-off starts over. */
const STABLE_MS = 10_000;

export class TunnelClient {
  private session: TunnelSession | undefined;
  private waiters: Array<() => void> = [];
  readonly url: string;

  constructor(private readonly o: TunnelClientOptions) {
    this.url = o.server.replace(/^http/, "ws").replace(/\/+$/, "") + CONNECT_PATH;
  }

  get connected(): boolean {
    return !!this.session && !this.session.isClosed;
  }

  /** Resolves once a session is up (at once when it is). */
  waitConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  start(): this {
    void this.run();
    return this;
  }

  private async run(): Promise<void> {
    const initial = this.o.backoff?.initialMs ?? 1000;
    const max = this.o.backoff?.maxMs ?? 30_000;
    let delay = initial;
    let failures = 0;
    while (!this.o.signal.aborted) {
      const started = Date.now();
      const r = await this.connectOnce();
      if (this.o.signal.aborted) break;
      if (r.connected && Date.now() - started >= STABLE_MS) delay = initial;
      if (r.connected) failures = 0;
      failures++;
      const fields = { node: this.o.nodeName, server: this.url, reason: r.reason, retryInMs: delay };
      if (r.connected) log.warn("tunnel: connection to the server lost; reconnecting", fields);
      else if (failures === 1) log.warn("tunnel: cannot connect to the server; retrying", fields);
      else log.debug("tunnel: still cannot connect to the server", fields);
      await sleep(delay * (0.8 + Math.random() * 0.4), this.o.signal);
      delay = Math.min(delay * 2, max);
    }
  }

  /** One connection: resolves when it failed to open, or when its session ended. */
  private connectOnce(): Promise<{ connected: boolean; reason: string }> {
    return new Promise((resolve) => {
      let ws: WebSocketLike;
      try {
        ws = (this.o.connect ?? this.defaultConnect)(this.url);
      } catch (e) {
        resolve({ connected: false, reason: (e as Error).message });
        return;
      }
      let opened = false;
      const onAbort = () => {
        if (this.session) this.session.close("agent stopping");
        else ws.close(1000, "agent stopping");
      };
      this.o.signal.addEventListener("abort", onAbort, { once: true });
      const failed = (reason: string) => {
        if (opened) return;
        opened = true;
        this.o.signal.removeEventListener("abort", onAbort);
        resolve({ connected: false, reason });
      };
      ws.addEventListener("error", (e: { message?: string; error?: Error }) => failed(e.error?.message ?? e.message ?? "connection error"));
      ws.addEventListener("close", (e: { code?: number; reason?: string }) => failed(e.reason || `closed before it opened (code ${e.code ?? "none"})`));
      ws.addEventListener("open", () => {
        if (opened) return;
        opened = true;
        const session = new TunnelSession(webSocketTransport(ws), { side: "agent", accept: (s) => this.o.serve(s), ...this.o.session });
        this.session = session;
        log.info("tunnel: connected to the server", { node: this.o.nodeName, server: this.url });
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
        void session.done.then((reason) => {
          this.o.signal.removeEventListener("abort", onAbort);
          if (this.session === session) this.session = undefined;
          resolve({ connected: true, reason });
        });
      });
    });
  }

  private readonly defaultConnect = (url: string): WebSocketLike => {
    const { ca, cert, key } = typeof this.o.tls === "function" ? this.o.tls() : this.o.tls;
    return new WebSocket(url, { tls: { ca, cert, key } } as any) as unknown as WebSocketLike;
  };
}


/**
 * TCP frontends: `Bun.listen` on the frontend address, one `Bun.connect` per accepted
 * connection to a target picked when the connection arrives, bytes relayed both ways through
 * `Pipe`s (back-pressure and half-close). A refused or timed-out connect tries the next target;
 * when none is left the client is closed. A listener stopped (Service gone) keeps its open
 * connections, as kube-proxy leaves established flows alone.
 */
import type { Socket, TCPSocketListener } from "bun";
import { log } from "../../log.ts";
import type { ProxyMetrics } from "./metrics.ts";
import { Pipe } from "./pipe.ts";
import type { Frontend, Target } from "./types.ts";

export interface TargetPicker {
  frontend(key: string): Frontend | undefined;
  pick(f: Frontend, clientIP: string | undefined, exclude?: ReadonlySet<string>): Target | undefined;
}

export interface TcpProxyDeps {
  picker: TargetPicker;
  metrics: ProxyMetrics;
  connectTimeoutMs: number;
}

/** One upstream connect; abandoned when it timed out, so a late `open` closes it. */
interface Attempt {
  conn: Conn;
  target: Target;
  abandoned: boolean;
  opened: boolean;
}

class Conn {
  readonly up: Pipe;
  down?: Pipe;
  upstream?: Socket<Attempt>;
  /** targets tried: the first as a key, a set only once a second attempt is made */
  private firstTried?: string;
  private tried?: Set<string>;
  timer?: ReturnType<typeof setTimeout>;
  clientClosed = false;
  upstreamClosed = false;
  counted = true;

  constructor(
    readonly client: Socket<Conn>,
    readonly frontend: Frontend,
    readonly deps: TcpProxyDeps,
  ) {
    this.up = new Pipe(client, deps.metrics);
  }

  connectNext(): void {
    const { picker, metrics } = this.deps;
    // Looked up again: the Service may have changed since the connection was accepted.
    const f = picker.frontend(this.frontend.key) ?? this.frontend;
    // remoteAddress builds a string: only affinity needs it.
    if (this.firstTried !== undefined && !this.tried) this.tried = new Set([this.firstTried]);
    const target = picker.pick(f, f.affinity ? this.client.remoteAddress : undefined, this.tried);
    if (!target) {
      metrics.error(this.firstTried === undefined ? "no_endpoints" : "connect_failed");
      this.client.end();
      return;
    }
    if (this.tried) this.tried.add(target.key);
    else this.firstTried = target.key;
    const attempt: Attempt = { conn: this, target, abandoned: false, opened: false };
    this.timer = setTimeout(() => {
      if (attempt.opened || this.clientClosed) return;
      attempt.abandoned = true;
      metrics.error("connect_timeout");
      this.connectNext();
    }, this.deps.connectTimeoutMs);
    // connectError below handles a failure; the rejected promise must not surface as unhandled.
    Bun.connect<Attempt>({ hostname: target.ip, port: target.port, allowHalfOpen: true, data: attempt, socket: upstreamHandler }).catch(ignore);
  }

  upstreamOpened(sock: Socket<Attempt>): void {
    clearTimeout(this.timer);
    this.upstream = sock;
    this.down = new Pipe(sock, this.deps.metrics);
    this.down.attach(this.client);
    this.up.attach(sock);
    if (this.clientClosed) this.down.abandon();
  }

  connectFailed(attempt: Attempt, err: Error): void {
    if (attempt.abandoned || this.clientClosed) return;
    clearTimeout(this.timer);
    this.deps.metrics.error((err as { code?: string } | undefined)?.code === "ECONNREFUSED" ? "connect_refused" : "connect_failed");
    log.debug("proxy: connect failed", { service: this.frontend.service, target: attempt.target.key, error: err?.message });
    this.connectNext();
  }

  closeClient(): void {
    if (this.clientClosed) return;
    this.clientClosed = true;
    clearTimeout(this.timer);
    this.up.end(true);
    this.down?.abandon();
    if (!this.upstream) this.finished();
    else if (this.upstreamClosed) this.finished();
  }

  closeUpstream(): void {
    if (this.upstreamClosed) return;
    this.upstreamClosed = true;
    this.down?.end(true);
    this.up.abandon();
    if (this.clientClosed) this.finished();
  }

  private finished(): void {
    if (!this.counted) return;
    this.counted = false;
    const m = this.deps.metrics;
    m.open.TCP--;
  }
}

function ignore(): void {}

// No setNoDelay here: Bun 1.4 sets TCP_NODELAY on every accepted and connected socket itself
// (strace), and calling it again cost two setsockopt calls per relayed connection.
const upstreamHandler = {
  open(s: Socket<Attempt>) {
    const a = s.data;
    a.opened = true;
    if (a.abandoned || a.conn.clientClosed) {
      s.terminate();
      return;
    }
    a.conn.upstreamOpened(s);
  },
  data(s: Socket<Attempt>, d: Buffer) {
    const c = s.data.conn;
    c.deps.metrics.bytesOut.TCP += d.length;
    c.down?.push(d);
  },
  drain(s: Socket<Attempt>) {
    s.data.conn.up.drain();
  },
  end(s: Socket<Attempt>) {
    s.data.conn.down?.end();
  },
  close(s: Socket<Attempt>) {
    const a = s.data;
    if (a.opened && !a.abandoned && a.conn.upstream === s) a.conn.closeUpstream();
  },
  connectError(s: Socket<Attempt>, err: Error) {
    s.data.conn.connectFailed(s.data, err);
  },
  error(s: Socket<Attempt>, err: Error) {
    log.debug("proxy: upstream socket error", { target: s.data.target.key, error: err.message });
  },
};

export interface TcpListener {
  readonly frontendKey: string;
  stop(): void;
}

/** Listens on the frontend's address; throws (EADDRINUSE, EADDRNOTAVAIL) when it cannot. */
export function listenTcp(frontend: Frontend, deps: TcpProxyDeps): TcpListener {
  const key = frontend.key;
  const accepted = deps.metrics.connectionsOf("TCP", frontend.service);
  const listener: TCPSocketListener<Conn> = Bun.listen<Conn>({
    hostname: frontend.ip,
    port: frontend.port,
    allowHalfOpen: true,
    // A second listener on the same address must fail, as a taken host port does.
    exclusive: true,
    socket: {
      open(client) {
        const f = deps.picker.frontend(key) ?? frontend;
        const conn = new Conn(client, f, deps);
        client.data = conn;
        accepted.n++;
        deps.metrics.open.TCP++;
        conn.connectNext();
      },
      data(client, d) {
        deps.metrics.bytesIn.TCP += d.length;
        client.data.up.push(d);
      },
      drain(client) {
        client.data.down?.drain();
      },
      end(client) {
        client.data.up.end();
      },
      close(client) {
        client.data?.closeClient();
      },
      error(client, err) {
        log.debug("proxy: client socket error", { frontend: key, error: err.message });
      },
    },
  });
  deps.metrics.listeners.inc({ protocol: "TCP" });
  let stopped = false;
  return {
    frontendKey: key,
    stop() {
      if (stopped) return;
      stopped = true;
      deps.metrics.listeners.dec({ protocol: "TCP" });
      listener.stop(false);
    },
  };
}

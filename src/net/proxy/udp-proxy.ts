/**
 * UDP frontends: one `Bun.udpSocket` bound on the frontend address; each client
 * `address:port` gets a session with its own socket connected to one target, so replies come
 * back on that socket and go out of the frontend socket to the client's address. Sessions end
 * after `idleMs` without traffic, or at once when their target leaves the Service (UDP has no
 * close, so kube-proxy clears such conntrack entries too).
 *
 * Bun's UDP sockets have had bugs where an ICMP error (a client port closed before the reply)
 * closes the socket or loses the next datagram (bun#18029, #29116, PR #36249): every `error`
 * is handled, and a frontend socket found closed is re-created on the same address.
 */
import type { udp } from "bun";
import { log } from "../../log.ts";
import type { ProxyMetrics } from "./metrics.ts";
import type { TargetPicker } from "./tcp-proxy.ts";
import type { Frontend, Target } from "./types.ts";

export interface UdpProxyDeps {
  picker: TargetPicker;
  metrics: ProxyMetrics;
  idleMs: number;
  /**
   * Sessions per frontend; past it the oldest session ends. Each session holds a socket, and
   * clients such as resolvers use a new port per query, so without a cap a busy UDP Service
   * would run the node out of file descriptors before the idle timeout frees them.
   */
  maxSessions?: number;
}

export const DEFAULT_MAX_UDP_SESSIONS = 4096;

/** Datagrams held while a session's socket is being created. */
const MAX_QUEUED = 64;

interface Session {
  key: string;
  clientAddr: string;
  clientPort: number;
  target: Target;
  generation: number;
  upstream?: udp.ConnectedSocket<"buffer">;
  queue: Buffer[];
  last: number;
  closed: boolean;
}

export interface UdpListener {
  readonly frontendKey: string;
  readonly sessions: number;
  /** times the frontend socket was found closed and re-created */
  readonly reopened: number;
  stop(): void;
}

export async function listenUdp(frontend: Frontend, deps: UdpProxyDeps): Promise<UdpListener> {
  const u = new UdpFrontend(frontend, deps);
  await u.bind();
  deps.metrics.listeners.inc({ protocol: "UDP" });
  u.sweeper = setInterval(() => u.sweep(), Math.max(50, Math.min(deps.idleMs / 2, 5000)));
  return u;
}

class UdpFrontend implements UdpListener {
  private sock?: udp.Socket<"buffer">;
  private readonly table = new Map<string, Session>();
  private stopped = false;
  private rebinding?: Promise<void>;
  sweeper?: ReturnType<typeof setInterval>;
  reopened = 0;

  constructor(
    private readonly frontend: Frontend,
    private readonly deps: UdpProxyDeps,
  ) {}

  get frontendKey(): string {
    return this.frontend.key;
  }

  get sessions(): number {
    return this.table.size;
  }

  async bind(): Promise<void> {
    this.sock = await Bun.udpSocket({
      hostname: this.frontend.ip,
      port: this.frontend.port,
      binaryType: "buffer",
      socket: {
        data: (_s, data, port, address) => this.fromClient(data, port, address),
        error: (...args: unknown[]) => {
          this.deps.metrics.error("udp_socket");
          log.debug("proxy: udp frontend error", { frontend: this.frontend.key, error: errorOf(args) });
          if (this.sock?.closed) this.rebind();
        },
      },
    });
  }

  private rebind(): void {
    if (this.stopped || this.rebinding) return;
    this.reopened++;
    this.rebinding = (async () => {
      for (let delay = 10; !this.stopped; delay = Math.min(delay * 2, 2000)) {
        try {
          await this.bind();
          return;
        } catch (err) {
          log.warn("proxy: udp frontend re-bind failed", { frontend: this.frontend.key, error: (err as Error).message });
          await Bun.sleep(delay);
        }
      }
    })().finally(() => (this.rebinding = undefined));
  }

  private fromClient(data: Buffer, port: number, address: string): void {
    const m = this.deps.metrics;
    m.bytesIn.UDP += data.length;
    const key = `${address}|${port}`;
    const f = this.deps.picker.frontend(this.frontend.key) ?? this.frontend;
    let s = this.table.get(key);
    if (s && s.generation !== f.generation) {
      if (f.targets.some((t) => t.key === s!.target.key)) s.generation = f.generation;
      else {
        this.close(s);
        s = undefined;
      }
    }
    if (!s) {
      const target = this.deps.picker.pick(f, address);
      if (!target) {
        m.error("no_endpoints");
        return;
      }
      if (this.table.size >= (this.deps.maxSessions ?? DEFAULT_MAX_UDP_SESSIONS)) {
        // Maps iterate in insertion order: the first is the oldest session.
        const oldest = this.table.values().next().value;
        if (oldest) this.close(oldest);
      }
      s = { key, clientAddr: address, clientPort: port, target, generation: f.generation, queue: [], last: Date.now(), closed: false };
      this.table.set(key, s);
      m.connections.inc({ protocol: "UDP", service: f.service });
      m.open.UDP++;
      this.connect(s);
    }
    s.last = Date.now();
    if (!s.upstream) {
      if (s.queue.length < MAX_QUEUED) s.queue.push(data);
      return;
    }
    if (!s.upstream.send(data)) m.error("udp_send");
  }

  private connect(s: Session): void {
    Bun.udpSocket({
      binaryType: "buffer",
      connect: { hostname: s.target.ip, port: s.target.port },
      socket: {
        data: (_u, reply) => this.toClient(s, reply),
        // A connected socket reports the target's ICMP "port unreachable" here: end the
        // session so the client's next datagram picks again.
        error: (...args: unknown[]) => {
          this.deps.metrics.error("udp_socket");
          log.debug("proxy: udp session error", { target: s.target.key, error: errorOf(args) });
          this.close(s);
        },
      },
    }).then(
      (u) => {
        if (s.closed) return u.close();
        s.upstream = u;
        for (const d of s.queue) if (!u.send(d)) this.deps.metrics.error("udp_send");
        s.queue = [];
      },
      (err) => {
        this.deps.metrics.error("udp_socket");
        log.debug("proxy: udp session socket failed", { target: s.target.key, error: (err as Error).message });
        this.close(s);
      },
    );
  }

  private toClient(s: Session, reply: Buffer): void {
    s.last = Date.now();
    this.deps.metrics.bytesOut.UDP += reply.length;
    const sock = this.sock;
    if (!sock || sock.closed) {
      this.rebind();
      return;
    }
    try {
      if (!sock.send(reply, s.clientPort, s.clientAddr)) this.deps.metrics.error("udp_send");
    } catch (err) {
      // A client whose port closed: its ICMP error may surface here on some Bun versions.
      this.deps.metrics.error("udp_send");
      log.debug("proxy: udp reply failed", { client: s.key, error: (err as Error).message });
      if (sock.closed) this.rebind();
    }
  }

  private close(s: Session): void {
    if (s.closed) return;
    s.closed = true;
    s.upstream?.close();
    if (this.table.get(s.key) === s) this.table.delete(s.key);
    this.deps.metrics.open.UDP--;
  }

  sweep(): void {
    const cutoff = Date.now() - this.deps.idleMs;
    for (const s of this.table.values()) if (s.last < cutoff) this.close(s);
    if (this.sock?.closed) this.rebind();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.sweeper);
    this.deps.metrics.listeners.dec({ protocol: "UDP" });
    this.sock?.close();
    for (const s of [...this.table.values()]) this.close(s);
  }
}

/**
 * Bun 1.4.5 calls a UDP socket's `error` handler with the error alone (the socket is `this`),
 * while its typings promise `(socket, error)`: take the error from wherever it is.
 */
function errorOf(args: unknown[]): string {
  const e = args.find((a) => a instanceof Error) as Error | undefined;
  return e?.message ?? String(args[0]);
}

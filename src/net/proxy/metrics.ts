/**
 * The proxy's Prometheus metrics on a registry the caller owns (the agent's /metrics).
 * Byte counts are kept in plain numbers on the hot path and handed to prom-client when it is
 * scraped: a labelled `inc()` per socket read would cost more than the read.
 */
import client from "prom-client";
import type { Protocol } from "./types.ts";

export type ProxyErrorReason = "connect_refused" | "connect_timeout" | "connect_failed" | "no_endpoints" | "bind" | "udp_socket" | "udp_send" | "address";

export interface ConnectionCount {
  readonly protocol: Protocol;
  readonly service: string;
  n: number;
  reported: number;
}

export class ProxyMetrics {
  /** bytes by protocol: `in` = client → backend, `out` = backend → client */
  readonly bytesIn: Record<Protocol, number> = { TCP: 0, UDP: 0 };
  readonly bytesOut: Record<Protocol, number> = { TCP: 0, UDP: 0 };
  pauses = 0;
  /** open TCP connections and UDP sessions, set on the gauge when scraped */
  readonly open: Record<Protocol, number> = { TCP: 0, UDP: 0 };
  private reported = { inTCP: 0, inUDP: 0, outTCP: 0, outUDP: 0, pauses: 0 };
  /** accepted connections per `protocol/service`, handed to the counter when scraped */
  private readonly accepted = new Map<string, ConnectionCount>();

  readonly connections: client.Counter<"protocol" | "service">;
  readonly active: client.Gauge<"protocol">;
  readonly bytes: client.Counter<"protocol" | "direction">;
  readonly endpointUpdates: client.Counter<string>;
  readonly errors: client.Counter<"reason">;
  readonly backpressure: client.Counter<string>;
  readonly listeners: client.Gauge<"protocol">;

  constructor(registry: client.Registry) {
    const registers = [registry];
    const self = this;
    this.connections = new client.Counter({
      name: "k3rs_proxy_connections_total",
      help: "Connections (TCP) and sessions (UDP) accepted by the service proxy.",
      labelNames: ["protocol", "service"] as const,
      registers,
      collect() {
        for (const c of self.accepted.values()) {
          if (c.n > c.reported) this.inc({ protocol: c.protocol, service: c.service }, c.n - c.reported);
          c.reported = c.n;
        }
      },
    });
    this.active = new client.Gauge({
      name: "k3rs_proxy_active_connections",
      help: "Open relayed TCP connections and UDP sessions.",
      labelNames: ["protocol"] as const,
      registers,
      collect() {
        this.set({ protocol: "TCP" }, self.open.TCP);
        this.set({ protocol: "UDP" }, self.open.UDP);
      },
    });
    this.bytes = new client.Counter({
      name: "k3rs_proxy_bytes_total",
      help: "Bytes relayed; direction in = client to backend, out = backend to client.",
      labelNames: ["protocol", "direction"] as const,
      registers,
      collect() {
        for (const p of ["TCP", "UDP"] as const) {
          const i = self.bytesIn[p] - self.reported[`in${p}`];
          const o = self.bytesOut[p] - self.reported[`out${p}`];
          if (i > 0) this.inc({ protocol: p, direction: "in" }, i);
          if (o > 0) this.inc({ protocol: p, direction: "out" }, o);
          self.reported[`in${p}`] = self.bytesIn[p];
          self.reported[`out${p}`] = self.bytesOut[p];
        }
      },
    });
    this.endpointUpdates = new client.Counter({ name: "k3rs_proxy_endpoint_updates_total", help: "Service endpoint sets recomputed from EndpointSlice or Service changes.", registers });
    this.errors = new client.Counter({ name: "k3rs_proxy_errors_total", help: "Proxy errors by reason.", labelNames: ["reason"] as const, registers });
    this.backpressure = new client.Counter({
      name: "k3rs_proxy_backpressure_pauses_total",
      help: "Times a relay paused a reader because the other side could not take more.",
      registers,
      collect() {
        const d = self.pauses - self.reported.pauses;
        if (d > 0) this.inc(d);
        self.reported.pauses = self.pauses;
      },
    });
    this.listeners = new client.Gauge({ name: "k3rs_proxy_listeners", help: "Open frontend listeners.", labelNames: ["protocol"] as const, registers });
  }

  /**
   * The accepted-connections count of one Service, as a plain number the listener bumps: a
   * prom-client `inc` hashes its labels on every call, even through `labels()`, and that was a
   * measurable part of a new connection's cost. The count reaches the counter when scraped.
   */
  connectionsOf(protocol: Protocol, service: string): ConnectionCount {
    const key = `${protocol}/${service}`;
    let c = this.accepted.get(key);
    if (!c) this.accepted.set(key, (c = { protocol, service, n: 0, reported: 0 }));
    return c;
  }

  error(reason: ProxyErrorReason): void {
    this.errors.inc({ reason });
  }
}

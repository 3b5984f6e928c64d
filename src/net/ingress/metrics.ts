/**
 * The Ingress's Prometheus metrics on a registry the caller owns (the agent's /metrics):
 * requests by status code, bytes each way, time to the backend's response head, open
 * WebSockets. Counters by code are bound once per code: labelling per request costs a hash.
 */
import client from "prom-client";

export type IngressErrorReason = "no_route" | "no_service" | "no_endpoints" | "upstream_connect" | "upstream_error" | "upstream_timeout" | "websocket" | "tls_secret" | "bind";

export class IngressMetrics {
  readonly requests: client.Counter<"code">;
  readonly bytes: client.Counter<"direction">;
  readonly upstreamLatency: client.Histogram<string>;
  readonly websockets: client.Gauge<string>;
  readonly errors: client.Counter<"reason">;
  readonly tlsReloads: client.Counter<string>;
  private readonly byCode = new Map<number, client.Counter.Internal>();
  private readonly bytesIn: client.Counter.Internal;
  private readonly bytesOut: client.Counter.Internal;

  constructor(registry: client.Registry) {
    const registers = [registry];
    this.requests = new client.Counter({ name: "k3rs_ingress_requests_total", help: "Requests the ingress answered, by status code.", labelNames: ["code"] as const, registers });
    this.bytes = new client.Counter({
      name: "k3rs_ingress_bytes_total",
      help: "Body bytes through the ingress by Content-Length (chunked bodies are not counted); direction in = request bodies, out = response bodies.",
      labelNames: ["direction"] as const,
      registers,
    });
    this.upstreamLatency = new client.Histogram({
      name: "k3rs_ingress_upstream_duration_seconds",
      help: "Time from sending a request to a backend to its response head.",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.websockets = new client.Gauge({ name: "k3rs_ingress_websockets", help: "Open WebSocket connections relayed by the ingress.", registers });
    this.errors = new client.Counter({ name: "k3rs_ingress_errors_total", help: "Ingress errors by reason.", labelNames: ["reason"] as const, registers });
    this.tlsReloads = new client.Counter({ name: "k3rs_ingress_tls_reloads_total", help: "Times the HTTPS listeners were replaced with a new certificate set.", registers });
    this.bytesIn = this.bytes.labels({ direction: "in" });
    this.bytesOut = this.bytes.labels({ direction: "out" });
  }

  request(code: number): void {
    let c = this.byCode.get(code);
    if (!c) this.byCode.set(code, (c = this.requests.labels({ code: String(code) })));
    c.inc();
  }

  addBytes(direction: "in" | "out", n: number): void {
    if (n > 0) (direction === "in" ? this.bytesIn : this.bytesOut).inc(n);
  }

  error(reason: IngressErrorReason): void {
    this.errors.inc({ reason });
  }
}

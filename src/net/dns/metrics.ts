/**
 * Cluster DNS metrics on a registry the caller owns. Per-query counts are kept in plain maps
 * and handed to prom-client when it collects: a labelled `inc()` per packet costs more than
 * answering from the cache does.
 */
import client from "prom-client";
import { Packet } from "dns2";

const RCODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Packet.RCODE).map(([k, v]) => [v, k]));
RCODE_NAMES[16] = "BADVERS";
/** Types with their own label value; the rest count as "other", as CoreDNS does, to bound cardinality. */
const TYPE_NAMES: Record<number, string> = { 1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV", 65: "HTTPS", 255: "ANY" };

type Deltas = Map<string, number>;

function bump(m: Deltas, key: string, n = 1): void {
  m.set(key, (m.get(key) ?? 0) + n);
}

export class DnsMetrics {
  private readonly queryCounts = new Map<number, number>();
  private readonly cacheCounts = [0, 0, 0, 0];
  private readonly forwards: Deltas = new Map();
  private readonly failures: Deltas = new Map();
  private readonly dropped: Deltas = new Map();

  constructor(registry: client.Registry) {
    const flush = (pending: Deltas, labels: string[]) =>
      function (this: client.Counter<string>) {
        for (const [key, n] of pending) {
          const values = key.split("|");
          this.inc(Object.fromEntries(labels.map((l, i) => [l, values[i]!])), n);
        }
        pending.clear();
      };
    const queryCounts = this.queryCounts;
    new client.Counter({
      name: "k3rs_dns_queries_total",
      help: "DNS queries answered, by transport, query type and response code.",
      labelNames: ["proto", "type", "rcode"],
      registers: [registry],
      collect(this: client.Counter<string>) {
        for (const [key, n] of queryCounts) {
          const qtype = Math.floor(key / 0x1000) & 0xffff;
          const rcode = key & 0xfff;
          this.inc({ proto: key >= 0x10000000 ? "tcp" : "udp", type: TYPE_NAMES[qtype] ?? "other", rcode: RCODE_NAMES[rcode] ?? String(rcode) }, n);
        }
        queryCounts.clear();
      },
    });
    const cacheCounts = this.cacheCounts;
    new client.Counter({
      name: "k3rs_dns_cache_total",
      help: "Response cache lookups by cache (cluster, upstream) and result (hit, miss).",
      labelNames: ["cache", "result"],
      registers: [registry],
      collect(this: client.Counter<string>) {
        cacheCounts.forEach((n, i) => {
          if (n) this.inc({ cache: i < 2 ? "cluster" : "upstream", result: i % 2 ? "miss" : "hit" }, n);
          cacheCounts[i] = 0;
        });
      },
    });
    new client.Counter({
      name: "k3rs_dns_upstream_forwards_total",
      help: "Queries forwarded to an upstream resolver, by server.",
      labelNames: ["server"],
      registers: [registry],
      collect: flush(this.forwards, ["server"]),
    });
    new client.Counter({
      name: "k3rs_dns_upstream_failures_total",
      help: "Forwarded queries an upstream did not answer, by server and reason (timeout, error).",
      labelNames: ["server", "reason"],
      registers: [registry],
      collect: flush(this.failures, ["server", "reason"]),
    });
    new client.Counter({
      name: "k3rs_dns_dropped_total",
      help: "Packets dropped without an answer, by reason (short, response).",
      labelNames: ["reason"],
      registers: [registry],
      collect: flush(this.dropped, ["reason"]),
    });
  }

  /** Hot path: a numeric key (no string building per query), named when collected. */
  query(proto: "udp" | "tcp", qtype: number, rcode: number): void {
    const key = (proto === "tcp" ? 0x10000000 : 0) + (qtype & 0xffff) * 0x1000 + (rcode & 0xfff);
    this.queryCounts.set(key, (this.queryCounts.get(key) ?? 0) + 1);
  }
  cacheResult(cache: "cluster" | "upstream", hit: boolean): void {
    this.cacheCounts[(cache === "cluster" ? 0 : 2) + (hit ? 0 : 1)]!++;
  }
  forwarded(server: string): void {
    bump(this.forwards, server);
  }
  upstreamFailed(server: string, reason: "timeout" | "error"): void {
    bump(this.failures, `${server}|${reason}`);
  }
  drop(reason: "short" | "response"): void {
    bump(this.dropped, reason);
  }
}

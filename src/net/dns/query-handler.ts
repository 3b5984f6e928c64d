/**
 * One query in, one response out, whatever the transport. The hot path never builds a Packet:
 * the question is read from the bytes (wire.ts), a cached response is copied and patched.
 * A miss asks the record store (synchronous, then cached until the store changes) or, for a
 * name the cluster does not own, the upstream resolvers (cached by TTL; concurrent identical
 * queries share one forward). Bad input gets FORMERR/NOTIMP or is dropped; nothing here throws.
 */
import { Packet } from "dns2";
import { log } from "../../log.ts";
import type { DnsMetrics } from "./metrics.ts";
import { CLASS_IN, RCODE, T, type DnsRecord } from "./records.ts";
import type { ClusterDnsStore } from "./record-store.ts";
import { ResponseCache } from "./response-cache.ts";
import { encodeError, encodeZoneAnswer, errorForQuery, parseQuery, type Query } from "./response.ts";
import type { UpstreamResolver } from "./upstream.ts";
import { patchInPlace, patchResponse, rcodeOf, readQueryKey, type QueryKey } from "./wire.ts";

export type Proto = "udp" | "tcp";
export type Reply = Buffer | undefined | Promise<Buffer | undefined>;

const CLASS_ANY = 255;
const ZONE_TRANSFER = new Set([251 /* IXFR */, 252 /* AXFR */]);

export interface QueryHandlerOptions {
  store: ClusterDnsStore;
  upstream?: UpstreamResolver;
  cache?: ResponseCache;
  metrics?: DnsMetrics;
}

export class QueryHandler {
  readonly cache: ResponseCache;
  private readonly store: ClusterDnsStore;
  private readonly upstream?: UpstreamResolver;
  private readonly metrics?: DnsMetrics;
  private readonly inflight = new Map<string, Promise<Buffer | undefined>>();
  private readonly unsubscribe: () => void;

  constructor(o: QueryHandlerOptions) {
    this.store = o.store;
    this.upstream = o.upstream;
    this.metrics = o.metrics;
    this.cache = o.cache ?? new ResponseCache();
    this.unsubscribe = this.store.onChange((c) => {
      this.cache.clearCluster();
      // A node name may have shadowed (or stopped shadowing) a forwarded name.
      if (c.outsideZone) this.cache.clearUpstream();
      // A PTR we now own may sit in the forwarded cache from when the IP was nobody's.
      else if (c.reverse) this.cache.clearUpstreamReverse();
    });
  }

  close(): void {
    this.unsubscribe();
  }

  handle(buf: Buffer, proto: Proto): Reply {
    try {
      const k = readQueryKey(buf, proto === "tcp");
      if (k) {
        const hit = this.cache.getCluster(k.key);
        if (hit) {
          this.metrics?.cacheResult("cluster", true);
          this.metrics?.query(proto, k.qtype, rcodeOf(hit));
          return patchResponse(hit, buf, k.nameEnd);
        }
        const up = this.cache.getUpstream(k.key);
        if (up) {
          this.metrics?.cacheResult("upstream", true);
          this.metrics?.query(proto, k.qtype, rcodeOf(up));
          patchInPlace(up, buf, k.nameEnd);
          return up;
        }
      }
      return this.slow(buf, proto, k);
    } catch (err) {
      log.warn("dns: query handling failed", { error: String(err) });
      return undefined;
    }
  }

  private slow(buf: Buffer, proto: Proto, k: QueryKey | undefined): Reply {
    const parsed = parseQuery(buf, proto === "tcp");
    if (!parsed.ok) {
      if ("drop" in parsed) {
        this.metrics?.drop(buf.length < 12 ? "short" : "response");
        return undefined;
      }
      this.metrics?.query(proto, parsed.packet.questions[0]?.type ?? 0, parsed.rcode);
      return encodeError(parsed.packet, parsed.rcode);
    }
    const q = parsed.query;
    if (q.qclass !== CLASS_IN && q.qclass !== CLASS_ANY) return this.error(q, proto, RCODE.REFUSED);
    if (ZONE_TRANSFER.has(q.qtype)) return this.error(q, proto, RCODE.NOTIMP);
    const ans = this.store.lookup(q.norm, q.qtype);
    if (ans) {
      if (ans.chase) return this.chase(q, proto, ans.answers, ans.chase);
      const out = encodeZoneAnswer(q, ans);
      if (k) {
        this.metrics?.cacheResult("cluster", false);
        this.cache.setCluster(k.key, out);
      }
      this.metrics?.query(proto, q.qtype, ans.rcode);
      return out;
    }
    return this.forward(buf, q, proto, k);
  }

  private error(q: Query, proto: Proto, rcode: number): Buffer {
    this.metrics?.query(proto, q.qtype, rcode);
    return errorForQuery(q, rcode);
  }

  private async forward(buf: Buffer, q: Query, proto: Proto, k: QueryKey | undefined): Promise<Buffer | undefined> {
    const key = k?.key;
    if (!this.upstream || !this.upstream.servers.length) return this.error(q, proto, RCODE.SERVFAIL);
    if (key) this.metrics?.cacheResult("upstream", false);
    // Bun may reuse the receive buffer once the data callback returns.
    const query = Buffer.from(buf);
    const flightKey = key ? `${proto}|${key}` : undefined;
    let p = flightKey ? this.inflight.get(flightKey) : undefined;
    if (!p) {
      p = this.upstream.resolve(query, proto === "tcp");
      if (flightKey) {
        this.inflight.set(flightKey, p);
        p.finally(() => this.inflight.delete(flightKey)).catch(() => {});
      }
    }
    const res = await p;
    if (!res) return this.error(q, proto, RCODE.SERVFAIL);
    if (key) this.cache.setUpstream(key, res);
    const out = Buffer.from(res);
    // Several clients may share this answer: each gets its own ID, flags and spelling back.
    if (k) patchInPlace(out, query, k.nameEnd);
    else {
      out[0] = query[0]!;
      out[1] = query[1]!;
    }
    this.metrics?.query(proto, q.qtype, rcodeOf(out));
    return out;
  }

  /**
   * An ExternalName's CNAME leads outside the zone: resolve the target upstream and answer
   * with the CNAME followed by what came back, as CoreDNS does, since stub resolvers do not
   * follow CNAMEs themselves. Not cached: such answers are rare and carry two lifetimes.
   */
  private async chase(q: Query, proto: Proto, cnames: DnsRecord[], target: string): Promise<Buffer | undefined> {
    let extra: any[] = [];
    if (this.upstream?.servers.length && q.qtype !== T.CNAME) {
      const sub = new Packet();
      sub.header.id = q.id;
      sub.header.rd = 1;
      sub.questions.push(new Packet.Question(target, q.qtype, CLASS_IN));
      const res = await this.upstream.resolve(sub.toBuffer(), proto === "tcp");
      if (res) {
        try {
          extra = Packet.parse(res).answers;
        } catch {
          extra = [];
        }
      }
    }
    const out = encodeZoneAnswer(q, { rcode: RCODE.NOERROR, authoritative: false, answers: [...cnames, ...extra], authority: [], additionals: [] });
    this.metrics?.query(proto, q.qtype, RCODE.NOERROR);
    return out;
  }
}

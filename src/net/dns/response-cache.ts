/**
 * Encoded responses, ready to send after patching the ID (wire.ts). Two maps with different
 * lifetimes: cluster answers live until the record store changes (their TTL is the store's
 * business), forwarded answers until their smallest TTL runs out, and are served with TTLs
 * counted down. Both are bounded; the oldest entry goes first (Map keeps insertion order).
 */
import { rcodeOf, readU32, ttlOffsets, writeU32 } from "./wire.ts";

export interface ResponseCacheOptions {
  /** Entries per map; default 10000. */
  maxEntries?: number;
  /** Longest a forwarded answer is kept, in seconds; default 30 (K3s's Corefile `cache 30`). */
  maxTtl?: number;
  /** How long a negative forwarded answer without an SOA is kept, in seconds; default 5. */
  negativeTtl?: number;
  now?: () => number;
}

interface UpstreamEntry {
  buf: Buffer;
  storedAt: number;
  expiresAt: number;
  ttls: number[];
}

export class ResponseCache {
  private readonly cluster = new Map<string, Buffer>();
  private readonly upstream = new Map<string, UpstreamEntry>();
  private readonly max: number;
  private readonly maxTtl: number;
  private readonly negativeTtl: number;
  private readonly now: () => number;

  constructor(o: ResponseCacheOptions = {}) {
    this.max = o.maxEntries ?? 10000;
    this.maxTtl = o.maxTtl ?? 30;
    this.negativeTtl = o.negativeTtl ?? 5;
    this.now = o.now ?? Date.now;
  }

  getCluster(key: string): Buffer | undefined {
    return this.cluster.get(key);
  }

  setCluster(key: string, buf: Buffer): void {
    this.bound(this.cluster);
    this.cluster.set(key, buf);
  }

  clearCluster(): void {
    this.cluster.clear();
  }

  clearUpstream(): void {
    this.upstream.clear();
  }

  /** Drops forwarded answers under in-addr.arpa and ip6.arpa (keys hold the name in wire form). */
  clearUpstreamReverse(): void {
    for (const key of this.upstream.keys()) {
      if (key.includes("\x07in-addr\x04arpa\x00") || key.includes("\x03ip6\x04arpa\x00")) this.upstream.delete(key);
    }
  }

  get size(): { cluster: number; upstream: number } {
    return { cluster: this.cluster.size, upstream: this.upstream.size };
  }

  /** A copy of the cached forwarded answer with its TTLs reduced by the time it spent here. */
  getUpstream(key: string): Buffer | undefined {
    const e = this.upstream.get(key);
    if (!e) return undefined;
    const now = this.now();
    if (now >= e.expiresAt) {
      this.upstream.delete(key);
      return undefined;
    }
    const out = Buffer.from(e.buf);
    const elapsed = Math.floor((now - e.storedAt) / 1000);
    if (elapsed > 0) e.ttls.forEach((off) => writeU32(out, off, Math.max(0, readU32(e.buf, off) - elapsed)));
    return out;
  }

  /**
   * Keeps a forwarded answer for its smallest TTL (at most maxTtl): NOERROR and NXDOMAIN only,
   * never a truncated one (RFC 2181 §9) nor a failure.
   */
  setUpstream(key: string, buf: Buffer): void {
    const rcode = rcodeOf(buf);
    if ((rcode !== 0 && rcode !== 3) || (buf[2]! & 0x02) !== 0) return;
    const ttls = ttlOffsets(buf);
    if (!ttls) return;
    let ttl = ttls.length ? Math.min(...ttls.map((off) => readU32(buf, off))) : this.negativeTtl;
    ttl = Math.min(ttl, this.maxTtl);
    if (ttl <= 0) return;
    const now = this.now();
    this.bound(this.upstream);
    this.upstream.set(key, { buf: Buffer.from(buf), storedAt: now, expiresAt: now + ttl * 1000, ttls });
  }

  private bound(m: Map<string, unknown>): void {
    if (m.size < this.max) return;
    const oldest = m.keys().next();
    if (!oldest.done) m.delete(oldest.value);
  }
}

/**
 * Forwarding to the node's resolvers: one UDP socket for all queries, each sent with a fresh
 * random ID (RFC 5452) and matched on ID, source and question; a timeout moves on to the next
 * server; a truncated answer is fetched again over TCP when the client asked over TCP (a UDP
 * client gets the TC answer and retries over TCP itself). REFUSED/SERVFAIL also try the next
 * server. The server that last answered is tried first next time.
 */
import { randomInt } from "node:crypto";
import { isIPv6 } from "node:net";
import type { DnsMetrics } from "./metrics.ts";
import { ResilientUdpSocket } from "./resilient-udp.ts";
import { HEADER_SIZE, rcodeOf } from "./wire.ts";

export interface UpstreamServer {
  host: string;
  port: number;
}

export interface UpstreamOptions {
  /** `1.1.1.1`, `1.1.1.1:5353`, `[fd00::1]:53`. */
  servers: string[];
  /** Per attempt; default 2000 ms (CoreDNS's forward waits at most 2 s per upstream too). */
  timeoutMs?: number;
  metrics?: DnsMetrics;
}

export function parseServer(s: string): UpstreamServer {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) return { host: bracket[1]!, port: Number(bracket[2] ?? 53) };
  if (isIPv6(s)) return { host: s, port: 53 };
  const i = s.lastIndexOf(":");
  return i > 0 ? { host: s.slice(0, i), port: Number(s.slice(i + 1)) } : { host: s, port: 53 };
}

interface Pending {
  server: UpstreamServer;
  question: Buffer;
  done: (res: Buffer | undefined) => void;
}

export class UpstreamResolver {
  readonly servers: UpstreamServer[];
  private readonly timeoutMs: number;
  private readonly metrics?: DnsMetrics;
  private readonly pending = new Map<number, Pending>();
  private readonly sockets = new Map<string, Promise<ResilientUdpSocket>>();
  private preferred = 0;
  private closed = false;

  constructor(o: UpstreamOptions) {
    this.servers = o.servers.map(parseServer);
    this.timeoutMs = o.timeoutMs ?? 2000;
    this.metrics = o.metrics;
  }

  /** One socket per address family, opened on first use. */
  private socket(v6: boolean): Promise<ResilientUdpSocket> {
    const fam = v6 ? "6" : "4";
    let s = this.sockets.get(fam);
    if (!s) {
      s = ResilientUdpSocket.open({ hostname: v6 ? "::" : "0.0.0.0", port: 0, name: `upstream-v${fam}`, onData: (d, p, a) => this.onReply(d, p, a) });
      this.sockets.set(fam, s);
      s.catch(() => this.sockets.delete(fam));
    }
    return s;
  }

  private onReply(data: Buffer, port: number, address: string): void {
    if (data.length < HEADER_SIZE) return;
    const id = (data[0]! << 8) | data[1]!;
    const p = this.pending.get(id);
    if (!p || p.server.port !== port || normalizeAddr(p.server.host) !== normalizeAddr(address)) return;
    // The question must be echoed: a reply to an older query that reused this ID is not ours.
    if (data.length < HEADER_SIZE + p.question.length || !p.question.equals(data.subarray(HEADER_SIZE, HEADER_SIZE + p.question.length))) return;
    this.pending.delete(id);
    p.done(Buffer.from(data));
  }

  /**
   * Forwards a query (as the client sent it) and returns the answer with the client's ID, or
   * undefined when every server failed. `tcp`: the client came over TCP and needs a whole answer.
   */
  async resolve(query: Buffer, tcp: boolean): Promise<Buffer | undefined> {
    const n = this.servers.length;
    let last: Buffer | undefined;
    const question = questionBytes(query);
    if (!question) return undefined;
    for (let i = 0; i < n && !this.closed; i++) {
      const idx = (this.preferred + i) % n;
      const server = this.servers[idx]!;
      const label = `${server.host}:${server.port}`;
      this.metrics?.forwarded(label);
      let res = await this.udp(server, query, question);
      if (res && tcp && (res[2]! & 0x02) !== 0) res = await this.tcp(server, query);
      if (!res) {
        this.metrics?.upstreamFailed(label, "timeout");
        continue;
      }
      res[0] = query[0]!;
      res[1] = query[1]!;
      const rcode = rcodeOf(res);
      if (rcode === 2 || rcode === 5) {
        this.metrics?.upstreamFailed(label, "error");
        last = res;
        continue;
      }
      this.preferred = idx;
      return res;
    }
    return last;
  }

  private async udp(server: UpstreamServer, query: Buffer, question: Buffer): Promise<Buffer | undefined> {
    let sock: ResilientUdpSocket;
    try {
      sock = await this.socket(isIPv6(server.host));
    } catch {
      return undefined;
    }
    let id = randomInt(0x10000);
    for (let tries = 0; this.pending.has(id) && tries < 16; tries++) id = randomInt(0x10000);
    if (this.pending.has(id)) return undefined;
    const out = Buffer.from(query);
    out[0] = id >> 8;
    out[1] = id & 0xff;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, this.timeoutMs);
      this.pending.set(id, {
        server,
        question,
        done: (res) => {
          clearTimeout(timer);
          resolve(res);
        },
      });
      if (!sock.send(out, server.port, server.host)) {
        this.pending.delete(id);
        clearTimeout(timer);
        resolve(undefined);
      }
    });
  }

  /** One query over a fresh TCP connection (RFC 7766 length prefix). */
  private tcp(server: UpstreamServer, query: Buffer): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      let buf = Buffer.alloc(0);
      let settled = false;
      let conn: { end(): void } | undefined;
      const finish = (res: Buffer | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try {
          conn?.end();
        } catch {
          // already gone
        }
        resolve(res);
      };
      const timer = setTimeout(() => finish(undefined), this.timeoutMs);
      const framed = Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
      Bun.connect({
        hostname: server.host,
        port: server.port,
        socket: {
          open: (s) => {
            conn = s;
            s.write(framed);
          },
          data: (_s, chunk) => {
            buf = Buffer.concat([buf, chunk]);
            if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) finish(Buffer.from(buf.subarray(2, 2 + buf.readUInt16BE(0))));
          },
          close: () => finish(undefined),
          error: () => finish(undefined),
          connectError: () => finish(undefined),
        },
      }).catch(() => finish(undefined));
    });
  }

  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) p.done(undefined);
    this.pending.clear();
    for (const s of this.sockets.values()) s.then((x) => x.close(), () => {});
    this.sockets.clear();
  }
}

function normalizeAddr(a: string): string {
  return a.startsWith("::ffff:") ? a.slice(7) : a;
}

/** The question section's bytes (name, type, class), or undefined when the query has none readable. */
function questionBytes(query: Buffer): Buffer | undefined {
  if (query.length < HEADER_SIZE || ((query[4]! << 8) | query[5]!) !== 1) return undefined;
  let off = HEADER_SIZE;
  for (let guard = 0; guard < 128; guard++) {
    if (off >= query.length) return undefined;
    const l = query[off]!;
    if (l === 0) {
      off += 1;
      break;
    }
    if ((l & 0xc0) === 0xc0) {
      off += 2;
      break;
    }
    off += l + 1;
  }
  if (off + 4 > query.length) return undefined;
  return Buffer.from(query.subarray(HEADER_SIZE, off + 4));
}

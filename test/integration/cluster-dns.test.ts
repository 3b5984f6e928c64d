/**
 * The cluster DNS on loopback: our server on 127.0.0.1 (random port), a tiny dns2-based
 * upstream on 127.0.0.2, and a dead upstream port before it. Queried with dns2's clients and
 * with raw sockets. No traffic leaves loopback.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import dns2, { Packet } from "dns2";
import client from "prom-client";
import { ClusterDnsStore, startClusterDns, type ClusterDns } from "../../src/net/dns/index.ts";
import { node, pod, service, slice } from "../../src/net/dns/test-objects.ts";

const D = "cluster.local";
const HOST = "127.0.0.1";

function query(name: string, type: number = Packet.TYPE.A, id = Packet.uuid()): Buffer {
  const p = new Packet();
  p.header.id = id;
  p.header.rd = 1;
  p.questions.push(new Packet.Question(name, type, Packet.CLASS.IN));
  return p.toBuffer();
}

/**
 * Bun reports ICMP errors (IP_RECVERR) to a UDP socket's `error` handler, and throws them
 * uncaught from a socket that has none: every socket in this file has one.
 */
function ignoreIcmp(): void {}

/** A tiny upstream: example.com → 192.0.2.7 (TTL 30), slow.example answered after 300 ms, others NXDOMAIN. */
async function startUpstream() {
  let queries = 0;
  const sock = await Bun.udpSocket({
    hostname: "127.0.0.2",
    port: 0,
    socket: {
      data(s, buf, port, addr) {
        queries++;
        let req: Packet;
        try {
          req = Packet.parse(buf);
        } catch {
          return;
        }
        const q = req.questions[0]!;
        const res = Packet.createResponseFromRequest(req);
        res.header.ra = 1;
        const name = q.name.toLowerCase();
        if (name === "example.com" || name === "slow.example" || name === "db.example.net") {
          res.answers.push({ name: q.name, type: Packet.TYPE.A, class: 1, ttl: 30, address: "192.0.2.7" } as any);
        } else res.header.rcode = 3;
        const out = res.toBuffer();
        if (name === "slow.example") setTimeout(() => s.send(out, port, addr), 100);
        else s.send(out, port, addr);
      },
      error: ignoreIcmp,
    },
  });
  return { sock, port: sock.port, count: () => queries };
}

/** A raw UDP exchange on a fresh socket; undefined on timeout. */
async function rawUdp(port: number, msg: Uint8Array, timeoutMs = 2000, host = HOST): Promise<Buffer | undefined> {
  const { promise, resolve } = Promise.withResolvers<Buffer | undefined>();
  const sock = await Bun.udpSocket({ hostname: HOST, port: 0, socket: { data: (_s, buf) => resolve(Buffer.from(buf)), error: ignoreIcmp } });
  const timer = setTimeout(() => resolve(undefined), timeoutMs);
  sock.send(msg, port, host);
  const r = await promise;
  clearTimeout(timer);
  sock.close();
  return r;
}

let upstream: Awaited<ReturnType<typeof startUpstream>>;
let deadPort: number;
let dns: ClusterDns;
let store: ClusterDnsStore;
const registry = new client.Registry();
let udpClient: ReturnType<typeof dns2.UDPClient>;
let tcpClient: ReturnType<typeof dns2.TCPClient>;

beforeAll(async () => {
  upstream = await startUpstream();
  // A port nobody listens on: forwarding there draws ICMP port-unreachable at our socket.
  const probe = await Bun.udpSocket({ hostname: "127.0.0.3", port: 0, socket: { error: ignoreIcmp } });
  deadPort = probe.port;
  probe.close();
  store = new ClusterDnsStore({ dnsServiceIp: "10.43.0.10" });
  store.apply(service("shop", "web", { clusterIP: "10.43.0.20", clusterIPs: ["10.43.0.20"], ports: [{ name: "http", port: 80, protocol: "TCP" }] }));
  store.apply(service("shop", "db", { clusterIP: "None", ports: [{ name: "pg", port: 5432 }] }));
  store.apply(slice("shop", "db-1", "db", [{ ip: "10.42.0.5", hostname: "db-0" }, { ip: "10.42.1.6", hostname: "db-1" }, { ip: "10.42.1.7", hostname: "db-2", ready: false }], [{ name: "pg", port: 5432 }]));
  store.apply(service("shop", "ext", { type: "ExternalName", externalName: "db.example.net" }));
  store.apply(service("shop", "big", { clusterIP: "None" }));
  store.apply(slice("shop", "big-1", "big", Array.from({ length: 80 }, (_, i) => ({ ip: `10.42.3.${i + 1}` }))));
  store.apply(pod("shop", "p", "10.42.0.9"));
  store.apply(node("node-a", "192.168.7.10"));
  dns = await startClusterDns({
    store,
    hostname: HOST,
    port: 0,
    upstreams: [`127.0.0.3:${deadPort}`, `127.0.0.2:${upstream.port}`],
    upstreamTimeoutMs: 250,
    registry,
  });
  udpClient = dns2.UDPClient({ dns: HOST, port: dns.port, timeout: 3000 });
  tcpClient = dns2.TCPClient({ dns: HOST, port: dns.port });
});

afterAll(() => {
  dns?.stop();
  upstream?.sock.close();
});

describe("records over UDP (dns2 client)", () => {
  test("A for a ClusterIP service", async () => {
    const r = await udpClient(`web.shop.svc.${D}`, "A");
    expect(r.header.rcode).toBe(0);
    expect(r.header.aa).toBe(1);
    expect(r.answers.map((a: any) => [a.address, a.ttl])).toEqual([["10.43.0.20", 5]]);
  });

  test("headless A lists ready endpoints; StatefulSet pod names resolve", async () => {
    const r = await udpClient(`db.shop.svc.${D}`, "A");
    expect(r.answers.map((a: any) => a.address).sort()).toEqual(["10.42.0.5", "10.42.1.6"]);
    const pod0 = await udpClient(`db-0.db.shop.svc.${D}`, "A");
    expect(pod0.answers.map((a: any) => a.address)).toEqual(["10.42.0.5"]);
  });

  test("SRV with targets and their addresses as extras", async () => {
    const r = await udpClient(`_pg._tcp.db.shop.svc.${D}`, "SRV");
    expect(r.answers.map((a: any) => `${a.priority} ${a.weight} ${a.port} ${a.target}`).sort()).toEqual([
      `0 50 5432 db-0.db.shop.svc.${D}`,
      `0 50 5432 db-1.db.shop.svc.${D}`,
    ]);
    expect(r.additionals.filter((a: any) => a.type === 1).map((a: any) => a.address).sort()).toEqual(["10.42.0.5", "10.42.1.6"]);
  });

  test("PTR for a Service IP, a pod IP and a node IP", async () => {
    expect((await udpClient("20.0.43.10.in-addr.arpa", "PTR")).answers.map((a: any) => a.domain)).toEqual([`web.shop.svc.${D}`]);
    expect((await udpClient("9.0.42.10.in-addr.arpa", "PTR")).answers.map((a: any) => a.domain)).toEqual([`10-42-0-9.shop.pod.${D}`]);
    expect((await udpClient("10.7.168.192.in-addr.arpa", "PTR")).answers.map((a: any) => a.domain)).toEqual(["node-a"]);
  });

  test("ExternalName: CNAME, and for A the target resolved upstream", async () => {
    const c = await udpClient(`ext.shop.svc.${D}`, "CNAME");
    expect(c.answers.map((a: any) => a.domain)).toEqual(["db.example.net"]);
    const a = await udpClient(`ext.shop.svc.${D}`, "A");
    expect(a.answers.map((x: any) => x.domain ?? x.address)).toEqual(["db.example.net", "192.0.2.7"]);
  });

  test("NXDOMAIN with the zone's SOA; NODATA for another type of a known name", async () => {
    const nx = await udpClient(`nope.shop.svc.${D}`, "A");
    expect(nx.header.rcode).toBe(3);
    expect(nx.authorities.map((a: any) => [a.type, a.name, a.primary, a.admin, a.minimum])).toEqual([[6, D, `ns.dns.${D}`, `hostmaster.${D}`, 5]]);
    const nodata = await udpClient(`web.shop.svc.${D}`, "AAAA");
    expect([nodata.header.rcode, nodata.answers.length, nodata.authorities[0]?.type]).toEqual([0, 0, 6]);
  });

  test("node names and pod names", async () => {
    expect((await udpClient("node-a", "A")).answers.map((a: any) => a.address)).toEqual(["192.168.7.10"]);
    expect((await udpClient(`10-42-0-9.shop.pod.${D}`, "A")).answers.map((a: any) => a.address)).toEqual(["10.42.0.9"]);
  });

  test("a store change is seen by the next query (cache invalidated)", async () => {
    expect((await udpClient(`late.shop.svc.${D}`, "A")).header.rcode).toBe(3);
    store.apply(service("shop", "late", { clusterIP: "10.43.0.99" }));
    expect((await udpClient(`late.shop.svc.${D}`, "A")).answers.map((a: any) => a.address)).toEqual(["10.43.0.99"]);
    store.delete(service("shop", "late", {}));
    expect((await udpClient(`late.shop.svc.${D}`, "A")).header.rcode).toBe(3);
  });
});

describe("raw sockets", () => {
  test("a raw UDP query gets its ID and exact question back", async () => {
    const r = Packet.parse((await rawUdp(dns.port, query(`Web.Shop.svc.${D}`, 1, 0x4242)))!);
    expect([r.header.id, r.header.qr, r.questions[0]!.name, (r.answers[0] as any).address]).toEqual([0x4242, 1, `Web.Shop.svc.${D}`, "10.43.0.20"]);
  });

  test("UDP answers over 512 octets come truncated; dns2's client then retries over TCP and gets them all", async () => {
    const raw = (await rawUdp(dns.port, query(`big.shop.svc.${D}`)))!;
    expect(raw.length).toBeLessThanOrEqual(512);
    expect(Packet.parse(raw).header.tc).toBe(1);
    const full = await udpClient(`big.shop.svc.${D}`, "A");
    expect([full.header.tc, full.answers.length]).toEqual([0, 80]);
  });

  test("TCP: dns2's client, and two pipelined queries in one write", async () => {
    const r = await tcpClient(`web.shop.svc.${D}`, "A");
    expect(r.answers.map((a: any) => a.address)).toEqual(["10.43.0.20"]);
    const frame = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
    const { promise, resolve } = Promise.withResolvers<Packet[]>();
    let buf = Buffer.alloc(0);
    const got: Packet[] = [];
    const conn = await Bun.connect({
      hostname: HOST,
      port: dns.port,
      socket: {
        data(_s, chunk) {
          buf = Buffer.concat([buf, chunk]);
          while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
            got.push(Packet.parse(buf.subarray(2, 2 + buf.readUInt16BE(0))));
            buf = buf.subarray(2 + buf.readUInt16BE(0));
          }
          if (got.length === 3) resolve(got);
        },
      },
    });
    // the third is cut in two writes
    const third = frame(query(`db-1.db.shop.svc.${D}`, 1, 3));
    conn.write(Buffer.concat([frame(query(`web.shop.svc.${D}`, 1, 1)), frame(query("example.com", 1, 2)), third.subarray(0, 5)]));
    await Bun.sleep(20);
    conn.write(third.subarray(5));
    const answers = await promise;
    conn.end();
    const byId = new Map(answers.map((p) => [p.header.id, (p.answers.at(-1) as any)?.address]));
    expect([...byId.entries()].sort()).toEqual([[1, "10.43.0.20"], [2, "192.0.2.7"], [3, "10.42.1.6"]]);
  });
});

test("TCP: a reader that falls behind still gets every pipelined answer whole (partial writes resumed on drain)", async () => {
  // node:net, because its client can stop reading: the server's writes then come back short.
  const { connect } = await import("node:net");
  const frame = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  const N = 4000; // ~5 MB of answers, more than loopback socket buffers hold
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  let buf = Buffer.alloc(0);
  const ids = new Set<number>();
  let answers = 0;
  const conn = connect({ host: HOST, port: dns.port });
  conn.on("error", reject);
  conn.pause();
  conn.on("data", (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const p = Packet.parse(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      ids.add(p.header.id);
      answers += p.answers.length;
      buf = buf.subarray(2 + buf.readUInt16BE(0));
    }
    if (ids.size === N) resolve();
  });
  conn.write(Buffer.concat(Array.from({ length: N }, (_, i) => frame(query(`big.shop.svc.${D}`, 1, i)))));
  await Bun.sleep(500); // the server fills the socket and has to wait for drain
  conn.resume();
  await promise;
  conn.destroy();
  expect(ids.size).toBe(N);
  expect(answers).toBe(N * 80);
});

describe("forwarding", () => {
  test("outside names go to the upstreams, past a dead one; the answer is then cached", async () => {
    const before = upstream.count();
    const r = await udpClient("example.com", "A");
    expect([r.header.rcode, (r.answers[0] as any).address]).toEqual([0, "192.0.2.7"]);
    const again = await udpClient("EXAMPLE.com", "A");
    expect((again.answers[0] as any).address).toBe("192.0.2.7");
    expect(upstream.count() - before).toBeLessThanOrEqual(1);
    const nx = await udpClient("nothing.invalid", "A");
    expect(nx.header.rcode).toBe(3);
  });

  test("SERVFAIL when every upstream fails", async () => {
    const lonely = await startClusterDns({ store: new ClusterDnsStore(), hostname: "127.0.0.4", port: 0, upstreams: [`127.0.0.3:${deadPort}`], upstreamTimeoutMs: 200 });
    try {
      const raw = await rawUdp(lonely.port, query("example.com"), 2000, "127.0.0.4");
      expect(raw && Packet.parse(raw).header.rcode).toBe(2);
    } finally {
      lonely.stop();
    }
  });
});

describe("resilience", () => {
  test("a client that closes its port before the reply: the next client still gets its answer", async () => {
    // The reply to the closed port draws an ICMP error that Linux reports on the socket's
    // next send, which then fails: without a second send, this next answer is lost.
    for (let i = 0; i < 10; i++) {
      const gone = await Bun.udpSocket({ hostname: HOST, port: 0, socket: { error: ignoreIcmp } });
      gone.send(query(`web.shop.svc.${D}`), dns.port, HOST);
      gone.close();
      const r = await rawUdp(dns.port, query(`db-0.db.shop.svc.${D}`), 3000);
      expect([i, r && (Packet.parse(r).answers[0] as any)?.address]).toEqual([i, "10.42.0.5"]);
    }
  });

  test("clients gone before a forwarded answer comes back do not stop the server", async () => {
    for (let i = 0; i < 30; i++) {
      const s = await Bun.udpSocket({ hostname: HOST, port: 0, socket: { error: ignoreIcmp } });
      s.send(query(i % 2 ? "slow.example" : `web.shop.svc.${D}`), dns.port, HOST);
      s.close();
    }
    await Bun.sleep(600); // the slow answers go to closed ports meanwhile
    for (const name of [`web.shop.svc.${D}`, "slow.example", "example.com"]) {
      const r = await rawUdp(dns.port, query(name), 3000);
      expect([name, r && Packet.parse(r).header.rcode]).toEqual([name, 0]);
    }
  });

  test("1000 malformed or random packets: the server still answers", async () => {
    const s = await Bun.udpSocket({ hostname: HOST, port: 0, socket: { error: ignoreIcmp } });
    const base = query(`web.shop.svc.${D}`);
    for (let i = 0; i < 1000; i++) {
      let b: Uint8Array;
      if (i % 3 === 0) b = crypto.getRandomValues(new Uint8Array(1 + (i % 512)));
      else {
        b = Buffer.from(base);
        for (let j = 0; j < 1 + (i % 4); j++) b[Math.floor(Math.random() * b.length)] = Math.floor(Math.random() * 256);
        if (i % 5 === 0) b = b.subarray(0, i % b.length);
      }
      s.send(b, dns.port, HOST);
      if (i % 100 === 0) await Bun.sleep(1);
    }
    s.close();
    // The flood overruns the socket's receive buffer, where the kernel drops datagrams (ours
    // too, as any resolver's): ask again like a resolver would until the backlog is gone.
    let r: Buffer | undefined;
    for (let i = 0; i < 5 && !r; i++) r = await rawUdp(dns.port, query(`web.shop.svc.${D}`), 1000);
    expect((Packet.parse(r!).answers[0] as any).address).toBe("10.43.0.20");
    const t = await tcpClient(`web.shop.svc.${D}`, "A");
    expect((t.answers[0] as any).address).toBe("10.43.0.20");
  });

  test("garbage on a TCP connection does not affect other connections", async () => {
    const conn = await Bun.connect({ hostname: HOST, port: dns.port, socket: { data() {} } });
    conn.write(Buffer.from([0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 0xff, 0xff, 1]));
    conn.end();
    const t = await tcpClient(`web.shop.svc.${D}`, "A");
    expect((t.answers[0] as any).address).toBe("10.43.0.20");
  });

  test("a UDP socket closed under the server is bound again on the same port", async () => {
    dns.udp.raw!.close();
    let r: Buffer | undefined;
    for (let i = 0; i < 20 && !r; i++) r = await rawUdp(dns.port, query(`web.shop.svc.${D}`), 300);
    expect(dns.udp.reopened).toBeGreaterThanOrEqual(1);
    expect((Packet.parse(r!).answers[0] as any).address).toBe("10.43.0.20");
  });
});

test("metrics count queries by type and rcode, cache hits and upstream failures", async () => {
  const text = await registry.metrics();
  const value = (re: RegExp) => Number(text.match(re)?.[1] ?? 0);
  expect(value(/k3rs_dns_queries_total\{proto="udp",type="A",rcode="NOERROR"\} (\d+)/)).toBeGreaterThan(5);
  expect(value(/k3rs_dns_queries_total\{proto="udp",type="A",rcode="NXDOMAIN"\} (\d+)/)).toBeGreaterThan(0);
  expect(value(/k3rs_dns_queries_total\{proto="udp",type="SRV",rcode="NOERROR"\} (\d+)/)).toBeGreaterThanOrEqual(1); // a client retry under load counts twice
  expect(value(/k3rs_dns_cache_total\{cache="cluster",result="hit"\} (\d+)/)).toBeGreaterThan(0);
  expect(value(new RegExp(`k3rs_dns_upstream_failures_total\\{server="127.0.0.3:${deadPort}",reason="timeout"\\} (\\d+)`))).toBeGreaterThan(0);
  expect(value(new RegExp(`k3rs_dns_upstream_forwards_total\\{server="127.0.0.2:${upstream.port}"\\} (\\d+)`))).toBeGreaterThan(0);
});

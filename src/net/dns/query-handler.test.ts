import { describe, expect, test } from "bun:test";
import { Packet } from "dns2";
import client from "prom-client";
import { DnsMetrics } from "./metrics.ts";
import { QueryHandler, type Proto } from "./query-handler.ts";
import { ClusterDnsStore } from "./record-store.ts";
import { ResponseCache } from "./response-cache.ts";
import { service, slice } from "./test-objects.ts";
import type { UpstreamResolver } from "./upstream.ts";

const D = "cluster.local";

function query(name: string, type: number = Packet.TYPE.A, o: { id?: number; edns?: number } = {}): Buffer {
  const p = new Packet();
  p.header.id = o.id ?? 7;
  p.header.rd = 1;
  p.questions.push(new Packet.Question(name, type, Packet.CLASS.IN));
  if (o.edns) p.additionals.push(Packet.Resource.EDNS([], { udpPayloadSize: o.edns }) as any);
  return p.toBuffer();
}

async function ask(h: QueryHandler, buf: Buffer, proto: Proto = "udp") {
  const r = await h.handle(buf, proto);
  return r ? Packet.parse(r) : undefined;
}

function setup(o: { upstream?: Partial<UpstreamResolver>; now?: () => number } = {}) {
  const store = new ClusterDnsStore({ dnsServiceIp: "10.43.0.10" });
  const registry = new client.Registry();
  const metrics = new DnsMetrics(registry);
  const h = new QueryHandler({ store, metrics, upstream: o.upstream as UpstreamResolver, cache: new ResponseCache({ now: o.now }) });
  return { store, registry, h };
}

async function metric(registry: client.Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get();
  const v = m.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

describe("answers and the response cache", () => {
  test("the second identical query is served from the cache with its own ID", async () => {
    const { store, registry, h } = setup();
    store.apply(service("shop", "web", { clusterIP: "10.43.0.20" }));
    const first = await ask(h, query(`web.shop.svc.${D}`, 1, { id: 100 }));
    expect(first!.header.id).toBe(100);
    expect(first!.header.aa).toBe(1);
    expect((first!.answers[0] as any).address).toBe("10.43.0.20");
    const second = await ask(h, query(`WEB.shop.svc.${D}`, 1, { id: 200 }));
    expect(second!.header.id).toBe(200);
    expect(second!.questions[0]!.name).toBe(`WEB.shop.svc.${D}`);
    expect((second!.answers[0] as any).address).toBe("10.43.0.20");
    expect(await metric(registry, "k3rs_dns_cache_total", { cache: "cluster", result: "hit" })).toBe(1);
    expect(await metric(registry, "k3rs_dns_cache_total", { cache: "cluster", result: "miss" })).toBe(1);
    expect(await metric(registry, "k3rs_dns_queries_total", { proto: "udp", type: "A", rcode: "NOERROR" })).toBe(2);
  });

  test("a record change invalidates cached answers, negative ones included", async () => {
    const { store, h } = setup();
    const nx = await ask(h, query(`web.shop.svc.${D}`));
    expect(nx!.header.rcode).toBe(3);
    expect(nx!.authorities[0]!.type).toBe(Packet.TYPE.SOA);
    store.apply(service("shop", "web", { clusterIP: "10.43.0.20" }));
    expect((await ask(h, query(`web.shop.svc.${D}`)))!.header.rcode).toBe(0);
    store.apply(service("shop", "web", { clusterIP: "10.43.0.21" }));
    expect(((await ask(h, query(`web.shop.svc.${D}`)))!.answers[0] as any).address).toBe("10.43.0.21");
  });

  test("UDP answers over 512 octets are truncated with TC; EDNS and TCP get them whole", async () => {
    const { store, h } = setup();
    store.apply(service("shop", "big", { clusterIP: "None" }));
    const eps = Array.from({ length: 60 }, (_, i) => ({ ip: `10.42.${Math.floor(i / 200)}.${(i % 200) + 1}` }));
    store.apply(slice("shop", "big-1", "big", eps));
    const udp = await h.handle(query(`big.shop.svc.${D}`), "udp");
    expect(udp!.length).toBeLessThanOrEqual(512);
    const p = Packet.parse(udp!);
    expect(p.header.tc).toBe(1);
    expect(p.answers.length).toBeGreaterThan(0);
    expect(p.answers.length).toBeLessThan(60);
    const edns = Packet.parse((await h.handle(query(`big.shop.svc.${D}`, 1, { edns: 4096 }), "udp"))!);
    expect([edns.header.tc, edns.answers.length]).toEqual([0, 60]);
    expect(edns.additionals.some((r) => r.type === Packet.TYPE.EDNS)).toBe(true);
    const tcp = Packet.parse((await h.handle(query(`big.shop.svc.${D}`), "tcp"))!);
    expect([tcp.header.tc, tcp.answers.length]).toEqual([0, 60]);
    // the truncated answer is cached apart from the whole one
    expect(Packet.parse((await h.handle(query(`big.shop.svc.${D}`), "udp"))!).header.tc).toBe(1);
  });
});

describe("bad input", () => {
  test("FORMERR for two questions, NOTIMP for another opcode, REFUSED for CHAOS, dropped responses and runts", async () => {
    const { h, registry } = setup();
    const two = new Packet();
    two.header.id = 9;
    two.questions.push(new Packet.Question("a.cluster.local", 1, 1), new Packet.Question("b.cluster.local", 1, 1));
    expect((await ask(h, two.toBuffer()))!.header.rcode).toBe(1);
    const notify = query(`x.${D}`);
    notify[2] = (4 << 3) | 1;
    const n = (await ask(h, notify))!;
    expect([n.header.id, n.header.rcode, n.header.qr]).toEqual([7, 4, 1]);
    const chaos = new Packet();
    chaos.header.id = 3;
    chaos.questions.push(new Packet.Question("version.bind", Packet.TYPE.TXT, Packet.CLASS.CH));
    expect((await ask(h, chaos.toBuffer()))!.header.rcode).toBe(5);
    const response = query(`x.${D}`);
    response[2]! |= 0x80;
    expect(await h.handle(response, "udp")).toBeUndefined();
    expect(await h.handle(Buffer.from([1, 2, 3]), "udp")).toBeUndefined();
    expect(await metric(registry, "k3rs_dns_dropped_total", { reason: "short" })).toBe(1);
    expect(await metric(registry, "k3rs_dns_dropped_total", { reason: "response" })).toBe(1);
  });

  test("an EDNS version above 0 gets BADVERS", async () => {
    const { h } = setup();
    const q = query(`x.${D}`, 1, { edns: 1232 });
    q[q.length - 5] = 1; // OPT TTL's version octet
    const r = (await ask(h, q))!;
    expect(r.header.rcode).toBe(16);
  });

  test("random bytes never throw", async () => {
    const { h } = setup();
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(crypto.getRandomValues(new Uint8Array(1 + (i % 300))));
      if (i % 2) b[4] = 0, b[5] = 1; // one question, to reach the name decoder more often
      await h.handle(b, i % 3 ? "udp" : "tcp");
    }
  });
});

describe("forwarding", () => {
  function upstreamAnswer(q: Buffer, ttl: number, rcode = 0): Buffer {
    const req = Packet.parse(q);
    const res = Packet.createResponseFromRequest(req);
    res.header.rcode = rcode;
    res.header.ra = 1;
    if (!rcode) res.answers.push({ name: req.questions[0]!.name, type: 1, class: 1, ttl, address: "192.0.2.7" } as any);
    return res.toBuffer();
  }

  test("outside names go upstream; the answer is cached with its TTL counted down", async () => {
    let now = 1_000_000;
    const sent: Buffer[] = [];
    const { h, registry } = setup({
      now: () => now,
      upstream: { servers: [{ host: "192.0.2.53", port: 53 }], resolve: async (q: Buffer) => (sent.push(q), upstreamAnswer(q, 20)) },
    });
    const r1 = (await ask(h, query("Example.com", 1, { id: 11 })))!;
    expect([r1.header.id, r1.header.rcode, (r1.answers[0] as any).address, r1.answers[0]!.ttl]).toEqual([11, 0, "192.0.2.7", 20]);
    now += 7000;
    const r2 = (await ask(h, query("example.com", 1, { id: 12 })))!;
    expect([r2.header.id, r2.answers[0]!.ttl, r2.questions[0]!.name]).toEqual([12, 13, "example.com"]);
    expect(sent).toHaveLength(1);
    now += 14000;
    await ask(h, query("example.com"));
    expect(sent).toHaveLength(2);
    expect(await metric(registry, "k3rs_dns_cache_total", { cache: "upstream", result: "hit" })).toBe(1);
  });

  test("concurrent identical queries share one forward; SERVFAIL when every upstream fails, not cached", async () => {
    let calls = 0;
    let fail = true;
    const { h } = setup({
      upstream: {
        servers: [{ host: "192.0.2.53", port: 53 }],
        resolve: async (q: Buffer) => {
          calls++;
          await Bun.sleep(5);
          return fail ? undefined : upstreamAnswer(q, 30);
        },
      },
    });
    const rs = await Promise.all([1, 2, 3].map((id) => ask(h, query("example.org", 1, { id }))));
    expect(calls).toBe(1);
    expect(rs.map((r) => [r!.header.id, r!.header.rcode])).toEqual([[1, 2], [2, 2], [3, 2]]);
    fail = false;
    expect((await ask(h, query("example.org")))!.header.rcode).toBe(0);
    expect(calls).toBe(2);
  });

  test("clients sharing one forward each get their own ID and spelling of the name", async () => {
    let calls = 0;
    const { h } = setup({
      upstream: { servers: [{ host: "192.0.2.53", port: 53 }], resolve: async (q: Buffer) => (calls++, await Bun.sleep(5), upstreamAnswer(q, 30)) },
    });
    const names = ["example.net", "EXAMPLE.net", "Example.Net"];
    const rs = await Promise.all(names.map((n, i) => ask(h, query(n, 1, { id: 100 + i }))));
    expect(calls).toBe(1);
    expect(rs.map((r) => [r!.header.id, r!.questions[0]!.name, r!.header.rcode])).toEqual(names.map((n, i) => [100 + i, n, 0]));
  });

  test("without upstreams, outside names get SERVFAIL", async () => {
    const { h } = setup();
    expect((await ask(h, query("example.com")))!.header.rcode).toBe(2);
  });

  test("an ExternalName is answered with its CNAME and the target resolved upstream", async () => {
    const { h, store } = setup({ upstream: { servers: [{ host: "192.0.2.53", port: 53 }], resolve: async (q: Buffer) => upstreamAnswer(q, 30) } });
    store.apply(service("shop", "ext", { type: "ExternalName", externalName: "db.example.com" }));
    const r = (await ask(h, query(`ext.shop.svc.${D}`)))!;
    expect(r.answers.map((a: any) => [a.type, a.name, a.domain ?? a.address])).toEqual([
      [5, `ext.shop.svc.${D}`, "db.example.com"],
      [1, "db.example.com", "192.0.2.7"],
    ]);
  });

  test("a forwarded reverse lookup is dropped from the cache once a Service takes the IP", async () => {
    let calls = 0;
    const nx = (q: Buffer) => {
      const res = Packet.createResponseFromRequest(Packet.parse(q));
      res.header.rcode = 3;
      res.authorities.push({ name: "10.in-addr.arpa", type: 6, class: 1, ttl: 30, primary: "ns", admin: "h", serial: 1, refresh: 1, retry: 1, expiration: 1, minimum: 30 } as any);
      return res.toBuffer();
    };
    const { h, store } = setup({ upstream: { servers: [{ host: "192.0.2.53", port: 53 }], resolve: async (q: Buffer) => (calls++, nx(q)) } });
    await ask(h, query("77.0.43.10.in-addr.arpa", Packet.TYPE.PTR));
    await ask(h, query("8.8.8.8.in-addr.arpa", Packet.TYPE.PTR));
    expect(calls).toBe(2);
    store.apply(service("shop", "new", { clusterIP: "10.43.0.77" }));
    const r = (await ask(h, query("77.0.43.10.in-addr.arpa", Packet.TYPE.PTR)))!;
    expect([r.header.rcode, (r.answers[0] as any)?.domain]).toEqual([0, `new.shop.svc.${D}`]);
    expect(calls).toBe(2);
  });

  test("a node name shadowing a forwarded one clears the forwarded cache", async () => {
    let calls = 0;
    const { h, store } = setup({ upstream: { servers: [{ host: "192.0.2.53", port: 53 }], resolve: async (q: Buffer) => (calls++, upstreamAnswer(q, 30)) } });
    await ask(h, query("box1"));
    store.apply({ apiVersion: "v1", kind: "Node", metadata: { name: "box1" }, status: { addresses: [{ type: "InternalIP", address: "192.168.5.5" }] } });
    const r = (await ask(h, query("box1")))!;
    expect((r.answers[0] as any).address).toBe("192.168.5.5");
    expect(calls).toBe(1);
  });
});

/**
 * The proxy end to end on loopback (127.0.0.0/8 is all local, so "ClusterIPs" and "node IPs"
 * need no interface and no root): real Bun sockets, real relays.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import client from "prom-client";
import type { LoadBalancerStatus } from "./load-balancer.ts";
import { ServiceProxy } from "./service-proxy.ts";
import type { Socket } from "bun";
import { askOnce, idServer, lineClient, udpAsk, udpEcho } from "./testing/net.ts";
import { service, slice } from "./testing/objects.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function proxy(extra: Partial<ConstructorParameters<typeof ServiceProxy>[0]> = {}) {
  const registry = new client.Registry();
  const p = new ServiceProxy({ nodeName: "n1", nodeIPs: ["127.0.0.3"], registry, connectTimeoutMs: 1000, bindRetryMs: 100, ...extra });
  cleanups.push(() => p.stop());
  return { p, registry };
}

let nextPort = 20000 + (process.pid % 20000);
const freePort = () => nextPort++;

async function metric(registry: client.Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as any)[k] === x)).reduce((a, v) => a + v.value, 0);
}

describe("ServiceProxy on loopback", () => {
  test("TCP: new connections spread round-robin over ready endpoints only; refused endpoints are skipped", async () => {
    const backends = ["a", "b", "c"].map((id) => idServer("127.0.0.1", id));
    cleanups.push(() => backends.forEach((b) => b.stop(true)));
    const unready = idServer("127.0.0.1", "unready");
    cleanups.push(() => unready.stop(true));
    const { p, registry } = proxy();
    const port = freePort();
    p.applyService("ADDED", service("web", { clusterIP: "127.0.0.10", ports: [{ port, targetPort: 1 }] }));
    // endpoint ports differ per pod here, so each endpoint is its own slice
    for (const [i, b] of backends.entries()) p.applyEndpointSlice("ADDED", slice(`web-${i}`, "web", [{ port: b.port }], [{ ip: "127.0.0.1" }]));
    p.applyEndpointSlice("ADDED", slice("web-u", "web", [{ port: unready.port }], [{ ip: "127.0.0.1", ready: false }]));
    await p.synced();
    const got: string[] = [];
    for (let i = 0; i < 9; i++) got.push(await askOnce("127.0.0.10", port));
    expect(got.sort()).toEqual(["a", "a", "a", "b", "b", "b", "c", "c", "c"]);
    expect(unready.conns).toBe(0);
    // a refused endpoint: connections still succeed on the others
    backends[0]!.stop(true);
    for (let i = 0; i < 4; i++) expect(["b", "c"]).toContain(await askOnce("127.0.0.10", port));
    expect(await metric(registry, "k3rs_proxy_errors_total", { reason: "connect_refused" })).toBeGreaterThan(0);
    expect(await metric(registry, "k3rs_proxy_connections_total", { protocol: "TCP" })).toBe(13);
  });

  test("an endpoint removed gets no new connections while an open one keeps working", async () => {
    const a = idServer("127.0.0.1", "a");
    const b = idServer("127.0.0.1", "b");
    cleanups.push(() => (a.stop(true), b.stop(true)));
    const { p, registry } = proxy();
    const port = freePort();
    p.applyService("ADDED", service("web", { clusterIP: "127.0.0.11", ports: [{ port }] }));
    p.applyEndpointSlice("ADDED", slice("w-a", "web", [{ port: a.port }], [{ ip: "127.0.0.1" }]));
    p.applyEndpointSlice("ADDED", slice("w-b", "web", [{ port: b.port }], [{ ip: "127.0.0.1" }]));
    await p.synced();
    const open = await lineClient("127.0.0.11", port);
    const first = await open.ask();
    const gone = first === "a" ? "w-a" : "w-b";
    p.applyEndpointSlice("DELETED", slice(gone, "web", [], []));
    for (let i = 0; i < 4; i++) expect(await askOnce("127.0.0.11", port)).not.toBe(first);
    expect(await open.ask()).toBe(first);
    expect(await metric(registry, "k3rs_proxy_active_connections", { protocol: "TCP" })).toBe(1);
    open.close();
    for (let i = 0; i < 50 && (await metric(registry, "k3rs_proxy_active_connections", { protocol: "TCP" })) > 0; i++) await Bun.sleep(10);
    expect(await metric(registry, "k3rs_proxy_active_connections", { protocol: "TCP" })).toBe(0);
  });

  test("a Service deleted closes its listeners", async () => {
    const a = idServer("127.0.0.1", "a");
    cleanups.push(() => a.stop(true));
    const { p } = proxy();
    const port = freePort();
    p.applyService("ADDED", service("web", { clusterIP: "127.0.0.12", ports: [{ port }] }));
    p.applyEndpointSlice("ADDED", slice("w", "web", [{ port: a.port }], [{ ip: "127.0.0.1" }]));
    await p.synced();
    expect(await askOnce("127.0.0.12", port)).toBe("a");
    p.applyService("DELETED", service("web", {}));
    await p.synced();
    expect(p.state().listening).toEqual([]);
    await expect(Bun.connect({ hostname: "127.0.0.12", port, socket: { data() {} } })).rejects.toThrow();
  });

  test("a malformed Service or slice is skipped, and the proxy goes on", async () => {
    const a = idServer("127.0.0.1", "a");
    cleanups.push(() => a.stop(true));
    const { p } = proxy();
    const port = freePort();
    p.applyService("ADDED", service("bad", { clusterIP: "127.0.0.22", ports: 5 }));
    p.applyEndpointSlice("ADDED", { ...slice("bad", "bad", [], []), endpoints: 7 });
    p.applyService("ADDED", service("good", { clusterIP: "127.0.0.23", ports: [{ port }] }));
    p.applyEndpointSlice("ADDED", slice("good", "good", [{ port: a.port }], [{ ip: "127.0.0.1" }]));
    await p.synced();
    expect(await askOnce("127.0.0.23", port)).toBe("a");
  });

  test("no ready endpoint: the connection is closed without a reply", async () => {
    const { p, registry } = proxy();
    const port = freePort();
    p.applyService("ADDED", service("web", { clusterIP: "127.0.0.13", ports: [{ port }] }));
    await p.synced();
    expect(await askOnce("127.0.0.13", port)).toBe("<closed>");
    expect(await metric(registry, "k3rs_proxy_errors_total", { reason: "no_endpoints" })).toBe(1);
  });

  test("half-close: the client's FIN reaches the backend, which still answers", async () => {
    const srv = Bun.listen<{ got: string }>({
      hostname: "127.0.0.1",
      port: 0,
      allowHalfOpen: true,
      socket: {
        open(s) {
          s.data = { got: "" };
        },
        data(s, d) {
          s.data.got += d.toString();
        },
        end(s) {
          s.write(`saw ${s.data.got.length} bytes then FIN`);
          s.end();
        },
      },
    });
    cleanups.push(() => srv.stop(true));
    const { p } = proxy();
    const port = freePort();
    p.applyService("ADDED", service("hc", { clusterIP: "127.0.0.14", ports: [{ port }] }));
    p.applyEndpointSlice("ADDED", slice("hc", "hc", [{ port: srv.port }], [{ ip: "127.0.0.1" }]));
    await p.synced();
    const reply = await new Promise<string>((resolve) => {
      let out = "";
      Bun.connect({
        hostname: "127.0.0.14",
        port,
        allowHalfOpen: true,
        socket: {
          open(s) {
            s.write("hello");
            s.shutdown();
          },
          data(_s, d) {
            out += d.toString();
          },
          close() {
            resolve(out);
          },
        },
      });
    });
    expect(reply).toBe("saw 5 bytes then FIN");
  });

  test("a large download to a slow reader arrives whole (back-pressure pauses the backend side)", async () => {
    const SIZE = 16 * 1024 * 1024;
    const data = new Uint8Array(SIZE);
    crypto.getRandomValues(data.subarray(0, 65536));
    for (let i = 65536; i < SIZE; i += 65536) data.copyWithin(i, 0, 65536);
    for (let i = 0; i < SIZE; i += 4096) data[i] = (i / 4096) & 255; // no two 64 KiB blocks alike
    const want = createHash("sha256").update(data).digest("hex");
    const pump = (s: Socket<{ off: number }>) => {
      while (s.data.off < SIZE) {
        const n = s.write(data.subarray(s.data.off, Math.min(SIZE, s.data.off + (1 << 20))));
        if (n <= 0) return;
        s.data.off += n;
      }
      s.end();
    };
    const srv = Bun.listen<{ off: number }>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(s) {
          s.data = { off: 0 };
          pump(s);
        },
        drain: pump,
        data() {},
      },
    });
    cleanups.push(() => srv.stop(true));
    const { p, registry } = proxy();
    const port = freePort();
    p.applyService("ADDED", service("big", { clusterIP: "127.0.0.15", ports: [{ port }] }));
    p.applyEndpointSlice("ADDED", slice("big", "big", [{ port: srv.port }], [{ ip: "127.0.0.1" }]));
    await p.synced();
    const hash = createHash("sha256");
    let got = 0;
    await new Promise<void>((resolve) => {
      Bun.connect({
        hostname: "127.0.0.15",
        port,
        socket: {
          data(s, d) {
            hash.update(d);
            got += d.length;
            // a slow reader: stop reading for a while every 1 MiB
            if (got % (1 << 20) < d.length) {
              s.pause();
              setTimeout(() => s.resume(), 15);
            }
          },
          close() {
            resolve();
          },
        },
      });
    });
    expect(got).toBe(SIZE);
    expect(hash.digest("hex")).toBe(want);
    expect(await metric(registry, "k3rs_proxy_backpressure_pauses_total")).toBeGreaterThan(0);
    expect(await metric(registry, "k3rs_proxy_bytes_total", { direction: "out" })).toBe(SIZE);
  });

  test("a large upload to a slow backend arrives whole, and the reply after the client's FIN comes back", async () => {
    const SIZE = 16 * 1024 * 1024;
    const data = new Uint8Array(SIZE);
    for (let i = 0; i < SIZE; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
    const want = createHash("sha256").update(data).digest("hex");
    // The backend reads slowly and answers with the hash of what it got once the client's FIN arrives.
    const srv = Bun.listen<{ hash: ReturnType<typeof createHash>; got: number }>({
      hostname: "127.0.0.1",
      port: 0,
      allowHalfOpen: true,
      socket: {
        open(s) {
          s.data = { hash: createHash("sha256"), got: 0 };
        },
        data(s, d) {
          s.data.hash.update(d);
          const before = s.data.got;
          s.data.got += d.length;
          if (Math.floor(before / (1 << 20)) !== Math.floor(s.data.got / (1 << 20))) {
            s.pause();
            setTimeout(() => s.resume(), 10);
          }
        },
        end(s) {
          s.write(`${s.data.got} ${s.data.hash.digest("hex")}`);
          s.end();
        },
      },
    });
    cleanups.push(() => srv.stop(true));
    const { p, registry } = proxy();
    const port = freePort();
    p.applyService("ADDED", service("up", { clusterIP: "127.0.0.21", ports: [{ port }] }));
    p.applyEndpointSlice("ADDED", slice("up", "up", [{ port: srv.port }], [{ ip: "127.0.0.1" }]));
    await p.synced();
    const reply = await new Promise<string>((resolve) => {
      let off = 0;
      let out = "";
      const pump = (s: Socket<undefined>) => {
        while (off < SIZE) {
          const n = s.write(data.subarray(off, Math.min(SIZE, off + (1 << 20))));
          if (n <= 0) return;
          off += n;
        }
        s.shutdown();
      };
      Bun.connect({
        hostname: "127.0.0.21",
        port,
        allowHalfOpen: true,
        socket: { open: pump, drain: pump, data: (_s, d) => void (out += d.toString()), close: () => resolve(out) },
      });
    });
    expect(reply).toBe(`${SIZE} ${want}`);
    expect(await metric(registry, "k3rs_proxy_backpressure_pauses_total")).toBeGreaterThan(0);
    expect(await metric(registry, "k3rs_proxy_bytes_total", { direction: "in" })).toBe(SIZE);
  });

  test("UDP: replies reach the client; a client gone before its reply does not break the next one", async () => {
    const slow = await udpEcho("127.0.0.1", "b", 100);
    cleanups.push(() => slow.close());
    const { p } = proxy({ udpIdleMs: 500 });
    const port = freePort();
    p.applyService("ADDED", service("dns", { clusterIP: "127.0.0.16", ports: [{ name: "dns", port, protocol: "UDP" }] }));
    p.applyEndpointSlice("ADDED", slice("dns", "dns", [{ name: "dns", port: slow.port, protocol: "UDP" }], [{ ip: "127.0.0.1" }]));
    await p.synced();
    expect(await udpAsk("127.0.0.16", port, "one")).toBe("b:one");
    // clients that close their port before the (delayed) reply: the proxy's reply gets ICMP
    for (let i = 0; i < 5; i++) {
      const gone = await Bun.udpSocket({});
      gone.send(`gone${i}`, port, "127.0.0.16");
      gone.close();
    }
    await Bun.sleep(300);
    for (let i = 0; i < 3; i++) expect(await udpAsk("127.0.0.16", port, `after${i}`)).toBe(`b:after${i}`);
  });

  test("UDP: sessions spread over endpoints and a removed endpoint's session moves", async () => {
    const a = await udpEcho("127.0.0.1", "a");
    const b = await udpEcho("127.0.0.1", "b");
    cleanups.push(() => (a.close(), b.close()));
    const { p } = proxy();
    const port = freePort();
    p.applyService("ADDED", service("u", { clusterIP: "127.0.0.17", ports: [{ port, protocol: "UDP" }] }));
    p.applyEndpointSlice("ADDED", slice("u-a", "u", [{ port: a.port, protocol: "UDP" }], [{ ip: "127.0.0.1" }]));
    p.applyEndpointSlice("ADDED", slice("u-b", "u", [{ port: b.port, protocol: "UDP" }], [{ ip: "127.0.0.1" }]));
    await p.synced();
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await udpAsk("127.0.0.17", port, "x")).split(":")[0]!);
    expect(seen).toEqual(new Set(["a", "b"]));
    // one client keeps its port; its session must follow the endpoint change
    let last = "";
    const c = await Bun.udpSocket({ socket: { data: (_s, d) => void (last = d.toString()) } });
    cleanups.push(() => c.close());
    const ask = async (m: string) => {
      last = "";
      c.send(m, port, "127.0.0.17");
      for (let i = 0; i < 100 && !last; i++) await Bun.sleep(10);
      return last;
    };
    const first = (await ask("1")).split(":")[0];
    p.applyEndpointSlice("DELETED", slice(first === "a" ? "u-a" : "u-b", "u", [], []));
    expect((await ask("2")).split(":")[0]).toBe(first === "a" ? "b" : "a");
  });

  test("NodePort answers on the node IPs", async () => {
    const a = idServer("127.0.0.1", "a");
    cleanups.push(() => a.stop(true));
    const { p } = proxy({ nodeIPs: ["127.0.0.3", "127.0.0.4"] });
    const nodePort = freePort();
    p.applyService("ADDED", service("np", { type: "NodePort", clusterIP: "127.0.0.18", ports: [{ port: freePort(), nodePort }] }));
    p.applyEndpointSlice("ADDED", slice("np", "np", [{ port: a.port }], [{ ip: "127.0.0.1" }]));
    await p.synced();
    expect(await askOnce("127.0.0.3", nodePort)).toBe("a");
    expect(await askOnce("127.0.0.4", nodePort)).toBe("a");
  });

  test("LoadBalancer: a port already taken is reported and the node left out, then taken when freed", async () => {
    const a = idServer("127.0.0.1", "a");
    cleanups.push(() => a.stop(true));
    const lbPort = freePort();
    const squatter = Bun.listen({ hostname: "127.0.0.3", port: lbPort, socket: { data() {} } });
    let squatting = true;
    cleanups.push(() => squatting && squatter.stop(true));
    const reports: LoadBalancerStatus[] = [];
    const { p } = proxy({ nodeIPs: ["127.0.0.3", "127.0.0.5"], onLoadBalancer: (s) => reports.push(s) });
    p.applyService("ADDED", service("lb", { type: "LoadBalancer", clusterIP: "127.0.0.19", ports: [{ port: lbPort }] }));
    p.applyEndpointSlice("ADDED", slice("lb", "lb", [{ port: a.port }], [{ ip: "127.0.0.1" }]));
    await p.synced();
    const s = p.loadBalancerStatus("default/lb")!;
    expect(s.ingress).toEqual(["127.0.0.5"]);
    expect(s.failed).toEqual([{ ip: "127.0.0.3", port: lbPort, protocol: "TCP", reason: "address already in use" }]);
    expect(s.message).toBe(`port ${lbPort}/TCP on 127.0.0.3: address already in use`);
    expect(reports.at(-1)).toEqual(s);
    expect(await askOnce("127.0.0.5", lbPort)).toBe("a");
    squatter.stop(true);
    squatting = false;
    for (let i = 0; i < 50 && p.loadBalancerStatus("default/lb")!.ingress.length < 2; i++) await Bun.sleep(50);
    expect(p.loadBalancerStatus("default/lb")!.ingress).toEqual(["127.0.0.3", "127.0.0.5"]);
    expect(reports.at(-1)!.failed).toEqual([]);
    expect(await askOnce("127.0.0.3", lbPort)).toBe("a");
  });

  test("once synced, ClusterIPs an earlier run left that no Service wants are removed", async () => {
    const held = new Set(["127.0.0.40", "127.0.0.41"]);
    const owner = {
      add: async (ip: string) => void held.add(ip),
      remove: async (ip: string) => void held.delete(ip),
      list: async () => [...held],
    };
    const { p } = proxy({ addresses: owner });
    p.applyService("ADDED", service("keep", { clusterIP: "127.0.0.40", ports: [{ port: freePort() }] }));
    await p.synced();
    expect([...held].sort()).toEqual(["127.0.0.40", "127.0.0.41"]);
    p.markSynced();
    await p.synced();
    expect([...held]).toEqual(["127.0.0.40"]);
  });

  test("ClusterIPs are added to the address owner before listening and removed after", async () => {
    const calls: string[] = [];
    const { p } = proxy({ addresses: { add: async (ip) => void calls.push(`add ${ip}`), remove: async (ip) => void calls.push(`remove ${ip}`) } });
    const port = freePort();
    p.applyService("ADDED", service("web", { clusterIP: "127.0.0.20", ports: [{ port }, { name: "b", port: port + 1000 }] }));
    await p.synced();
    expect(calls).toEqual(["add 127.0.0.20"]);
    p.applyService("DELETED", service("web", {}));
    await p.synced();
    expect(calls).toEqual(["add 127.0.0.20", "remove 127.0.0.20"]);
  });
});

import { describe, expect, test } from "bun:test";
import { ServiceTable, planFrontends } from "./service-table.ts";
import { service, slice } from "./testing/objects.ts";
import type { Frontend } from "./types.ts";

const NODE_IPS = ["192.0.2.10", "192.0.2.11"];

function table(opts: { now?: () => number; nodeName?: string } = {}) {
  const changed: string[] = [];
  const t = new ServiceTable({ nodeName: opts.nodeName ?? "n1", nodeIPs: NODE_IPS, now: opts.now, onFrontendsChanged: (s) => changed.push(s) });
  return { t, changed };
}

const targetsOf = (f: Frontend | undefined) => (f?.targets ?? []).map((x) => x.key).sort();

describe("planFrontends", () => {
  test.each([
    ["ClusterIP", { clusterIP: "10.43.0.5", ports: [{ port: 80 }] }, ["TCP/10.43.0.5:80"]],
    ["headless", { clusterIP: "None", ports: [{ port: 80 }] }, []],
    ["ExternalName", { type: "ExternalName", externalName: "x.example", ports: [{ port: 80 }] }, []],
    ["UDP and SCTP (skipped)", { clusterIP: "10.43.0.6", ports: [{ name: "dns", port: 53, protocol: "UDP" }, { name: "s", port: 9, protocol: "SCTP" }] }, ["UDP/10.43.0.6:53"]],
    ["NodePort on each node IP", { type: "NodePort", clusterIP: "10.43.0.7", ports: [{ port: 80, nodePort: 30080 }] }, ["TCP/10.43.0.7:80", "TCP/192.0.2.10:30080", "TCP/192.0.2.11:30080"]],
    [
      "LoadBalancer: port and nodePort on node IPs",
      { type: "LoadBalancer", clusterIP: "10.43.0.8", ports: [{ port: 443, nodePort: 30443 }] },
      ["TCP/10.43.0.8:443", "TCP/192.0.2.10:30443", "TCP/192.0.2.10:443", "TCP/192.0.2.11:30443", "TCP/192.0.2.11:443"],
    ],
    ["LoadBalancer with a loadBalancerClass is left to that class", { type: "LoadBalancer", loadBalancerClass: "x/y", clusterIP: "10.43.0.9", ports: [{ port: 443, nodePort: 30443 }] }, ["TCP/10.43.0.9:443", "TCP/192.0.2.10:30443", "TCP/192.0.2.11:30443"]],
  ])("%s", (_name, spec, keys) => {
    expect(planFrontends(spec, NODE_IPS).map((p) => p.key).sort()).toEqual([...keys].sort());
  });

  test("--disable=servicelb: a LoadBalancer Service keeps its ClusterIP and NodePort, no LB port", () => {
    const spec = { type: "LoadBalancer", clusterIP: "10.43.0.8", ports: [{ port: 443, nodePort: 30443 }] };
    expect(planFrontends(spec, NODE_IPS, new Set(), false).map((p) => p.key).sort()).toEqual(["TCP/10.43.0.8:443", "TCP/192.0.2.10:30443", "TCP/192.0.2.11:30443"]);
  });
});

describe("ServiceTable", () => {
  test("only ready endpoints take traffic; unready ones are skipped", () => {
    const { t } = table();
    t.upsertService(service("web", { clusterIP: "10.43.0.5", ports: [{ port: 80, targetPort: 8080 }] }));
    t.upsertSlice(slice("web-a", "web", [{ port: 8080 }], [{ ip: "10.42.0.2" }, { ip: "10.42.0.3", ready: false }, { ip: "10.42.1.4" }]));
    expect(targetsOf(t.frontend("TCP/10.43.0.5:80"))).toEqual(["10.42.0.2:8080", "10.42.1.4:8080"]);
  });

  test("round-robin over the ready targets", () => {
    const { t } = table();
    t.upsertService(service("web", { clusterIP: "10.43.0.5", ports: [{ port: 80 }] }));
    t.upsertSlice(slice("web-a", "web", [{ port: 80 }], [{ ip: "10.42.0.2" }, { ip: "10.42.0.3" }, { ip: "10.42.0.4" }]));
    const f = t.frontend("TCP/10.43.0.5:80")!;
    const picks = Array.from({ length: 6 }, () => t.pick(f, "10.42.0.9")!.ip);
    expect(picks).toEqual(["10.42.0.2", "10.42.0.3", "10.42.0.4", "10.42.0.2", "10.42.0.3", "10.42.0.4"]);
  });

  test("an endpoint turning unready gets no new picks at once; the frontend object stays the same", () => {
    const { t, changed } = table();
    t.upsertService(service("web", { clusterIP: "10.43.0.5", ports: [{ port: 80 }] }));
    t.upsertSlice(slice("web-a", "web", [{ port: 80 }], [{ ip: "10.42.0.2" }, { ip: "10.42.0.3" }]));
    const f = t.frontend("TCP/10.43.0.5:80")!;
    const gen = f.generation;
    changed.length = 0;
    t.upsertSlice(slice("web-a", "web", [{ port: 80 }], [{ ip: "10.42.0.2", ready: false }, { ip: "10.42.0.3" }]));
    expect(t.frontend("TCP/10.43.0.5:80")).toBe(f);
    expect(f.generation).toBeGreaterThan(gen);
    expect(new Set(Array.from({ length: 5 }, () => t.pick(f, undefined)!.ip))).toEqual(new Set(["10.42.0.3"]));
    // endpoints changing does not touch listeners
    expect(changed).toEqual([]);
  });

  test("terminating endpoints that still serve take traffic only when no endpoint is ready (kube-proxy)", () => {
    const { t } = table();
    t.upsertService(service("web", { clusterIP: "10.43.0.5", ports: [{ port: 80 }] }));
    t.upsertSlice(slice("web-a", "web", [{ port: 80 }], [{ ip: "10.42.0.2", ready: false, serving: true, terminating: true }, { ip: "10.42.0.3" }]));
    expect(targetsOf(t.frontend("TCP/10.43.0.5:80"))).toEqual(["10.42.0.3:80"]);
    t.upsertSlice(slice("web-a", "web", [{ port: 80 }], [{ ip: "10.42.0.2", ready: false, serving: true, terminating: true }, { ip: "10.42.0.3", ready: false, serving: false, terminating: true }]));
    expect(targetsOf(t.frontend("TCP/10.43.0.5:80"))).toEqual(["10.42.0.2:80"]);
  });

  test("named targetPorts resolve per slice port name; multi-port Services map each port", () => {
    const { t } = table();
    t.upsertService(
      service("app", {
        clusterIP: "10.43.0.20",
        ports: [
          { name: "http", port: 80, targetPort: "web" },
          { name: "metrics", port: 9090, targetPort: "prom" },
        ],
      }),
    );
    // Two slices: pods of two revisions whose named ports have different numbers.
    t.upsertSlice(slice("app-1", "app", [{ name: "http", port: 8080 }, { name: "metrics", port: 9100 }], [{ ip: "10.42.0.2" }]));
    t.upsertSlice(slice("app-2", "app", [{ name: "http", port: 8081 }, { name: "metrics", port: 9101 }], [{ ip: "10.42.0.3" }]));
    expect(targetsOf(t.frontend("TCP/10.43.0.20:80"))).toEqual(["10.42.0.2:8080", "10.42.0.3:8081"]);
    expect(targetsOf(t.frontend("TCP/10.43.0.20:9090"))).toEqual(["10.42.0.2:9100", "10.42.0.3:9101"]);
    t.deleteSlice(slice("app-1", "app", [], []));
    expect(targetsOf(t.frontend("TCP/10.43.0.20:80"))).toEqual(["10.42.0.3:8081"]);
  });

  test("an endpoint listed in two slices is one target", () => {
    const { t } = table();
    t.upsertService(service("web", { clusterIP: "10.43.0.5", ports: [{ port: 80 }] }));
    t.upsertSlice(slice("a", "web", [{ port: 80 }], [{ ip: "10.42.0.2" }]));
    t.upsertSlice(slice("b", "web", [{ port: 80 }], [{ ip: "10.42.0.2" }]));
    expect(targetsOf(t.frontend("TCP/10.43.0.5:80"))).toEqual(["10.42.0.2:80"]);
  });

  test("slices arriving before their Service are used when it comes; relabelled slices move", () => {
    const { t } = table();
    t.upsertSlice(slice("s1", "web", [{ port: 80 }], [{ ip: "10.42.0.2" }]));
    t.upsertService(service("web", { clusterIP: "10.43.0.5", ports: [{ port: 80 }] }));
    expect(targetsOf(t.frontend("TCP/10.43.0.5:80"))).toEqual(["10.42.0.2:80"]);
    t.upsertService(service("other", { clusterIP: "10.43.0.6", ports: [{ port: 80 }] }));
    t.upsertSlice(slice("s1", "other", [{ port: 80 }], [{ ip: "10.42.0.2" }]));
    expect(targetsOf(t.frontend("TCP/10.43.0.5:80"))).toEqual([]);
    expect(targetsOf(t.frontend("TCP/10.43.0.6:80"))).toEqual(["10.42.0.2:80"]);
  });

  test("sessionAffinity ClientIP keeps a client on its target until the timeout (default 10800 s)", () => {
    let now = 1_000_000;
    const { t } = table({ now: () => now });
    t.upsertService(service("web", { clusterIP: "10.43.0.5", sessionAffinity: "ClientIP", ports: [{ port: 80 }] }));
    t.upsertSlice(slice("a", "web", [{ port: 80 }], [{ ip: "10.42.0.2" }, { ip: "10.42.0.3" }, { ip: "10.42.0.4" }]));
    const f = t.frontend("TCP/10.43.0.5:80")!;
    expect(f.affinity?.timeoutMs).toBe(10800 * 1000);
    const first = t.pick(f, "10.42.9.9")!.key;
    for (let i = 0; i < 5; i++) expect(t.pick(f, "10.42.9.9")!.key).toBe(first);
    // another client is spread as usual
    expect(t.pick(f, "10.42.9.8")!.key).not.toBe(first);
    now += 10800 * 1000 + 1;
    expect(t.sweepAffinity()).toBe(2);
    expect(t.pick(f, "10.42.9.9")!.key).not.toBe(first);
  });

  test("affinity: timeoutSeconds honoured; a sticky target that leaves is replaced; None turns it off", () => {
    let now = 0;
    const { t } = table({ now: () => now });
    t.upsertService(service("web", { clusterIP: "10.43.0.5", sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 30 } }, ports: [{ port: 80 }] }));
    t.upsertSlice(slice("a", "web", [{ port: 80 }], [{ ip: "10.42.0.2" }, { ip: "10.42.0.3" }]));
    const f = t.frontend("TCP/10.43.0.5:80")!;
    const first = t.pick(f, "c")!;
    now += 29_000;
    expect(t.pick(f, "c")!.key).toBe(first.key);
    now += 31_000;
    expect(t.pick(f, "c")!.key).not.toBe(first.key);
    const sticky = t.pick(f, "c")!;
    t.upsertSlice(slice("a", "web", [{ port: 80 }], [{ ip: "10.42.0.2" }, { ip: "10.42.0.3" }].filter((e) => `${e.ip}:80` !== sticky.key)));
    expect(t.pick(f, "c")!.key).not.toBe(sticky.key);
    t.upsertService(service("web", { clusterIP: "10.43.0.5", ports: [{ port: 80 }] }));
    expect(t.frontend("TCP/10.43.0.5:80")!.affinity).toBeUndefined();
  });

  test("a refused target is excluded when the relay asks again", () => {
    const { t } = table();
    t.upsertService(service("web", { clusterIP: "10.43.0.5", ports: [{ port: 80 }] }));
    t.upsertSlice(slice("a", "web", [{ port: 80 }], [{ ip: "10.42.0.2" }, { ip: "10.42.0.3" }]));
    const f = t.frontend("TCP/10.43.0.5:80")!;
    expect(t.pick(f, undefined, new Set(["10.42.0.2:80"]))!.key).toBe("10.42.0.3:80");
    expect(t.pick(f, undefined, new Set(["10.42.0.2:80", "10.42.0.3:80"]))).toBeUndefined();
  });

  test("externalTrafficPolicy Local: NodePort/LB frontends use this node's endpoints only, ClusterIP all", () => {
    const { t } = table({ nodeName: "n1" });
    t.upsertService(service("web", { type: "NodePort", clusterIP: "10.43.0.5", externalTrafficPolicy: "Local", ports: [{ port: 80, nodePort: 30080 }] }));
    t.upsertSlice(slice("a", "web", [{ port: 80 }], [{ ip: "10.42.0.2", node: "n1" }, { ip: "10.42.1.2", node: "n2" }]));
    expect(targetsOf(t.frontend("TCP/192.0.2.10:30080"))).toEqual(["10.42.0.2:80"]);
    expect(targetsOf(t.frontend("TCP/10.43.0.5:80"))).toEqual(["10.42.0.2:80", "10.42.1.2:80"]);
    // no local endpoint: dropped, never sent to another node
    t.upsertSlice(slice("a", "web", [{ port: 80 }], [{ ip: "10.42.1.2", node: "n2" }]));
    expect(targetsOf(t.frontend("TCP/192.0.2.10:30080"))).toEqual([]);
  });

  test("internalTrafficPolicy Local: the ClusterIP uses this node's endpoints only", () => {
    const { t } = table({ nodeName: "n1" });
    t.upsertService(service("web", { clusterIP: "10.43.0.5", internalTrafficPolicy: "Local", ports: [{ port: 80 }] }));
    t.upsertSlice(slice("a", "web", [{ port: 80 }], [{ ip: "10.42.0.2", node: "n1" }, { ip: "10.42.1.2", node: "n2" }]));
    expect(targetsOf(t.frontend("TCP/10.43.0.5:80"))).toEqual(["10.42.0.2:80"]);
  });

  test("a Service update keeps frontends that stay, drops those that go; delete drops all", () => {
    const { t, changed } = table();
    t.upsertService(service("web", { clusterIP: "10.43.0.5", ports: [{ name: "a", port: 80 }, { name: "b", port: 81 }] }));
    const f80 = t.frontend("TCP/10.43.0.5:80");
    t.upsertService(service("web", { clusterIP: "10.43.0.5", ports: [{ name: "a", port: 80 }] }));
    expect(t.frontend("TCP/10.43.0.5:80")).toBe(f80);
    expect(t.frontend("TCP/10.43.0.5:81")).toBeUndefined();
    t.deleteService(service("web", {}));
    expect([...t.frontends()]).toEqual([]);
    expect(changed).toEqual(["default/web", "default/web", "default/web"]);
  });

  test("two LoadBalancers on one port: the second is blocked, then takes it when the first goes", () => {
    const { t } = table();
    t.upsertService(service("a", { type: "LoadBalancer", clusterIP: "10.43.0.5", ports: [{ port: 443, nodePort: 30001 }] }));
    t.upsertService(service("b", { type: "LoadBalancer", clusterIP: "10.43.0.6", ports: [{ port: 443, nodePort: 30002 }] }));
    const lbB = t.loadBalancers().find((v) => v.service === "default/b")!;
    expect(lbB.blocked.map((b) => b.key).sort()).toEqual(["TCP/192.0.2.10:443", "TCP/192.0.2.11:443"]);
    expect(lbB.blocked[0]!.heldBy).toBe("default/a");
    t.deleteService("default/a");
    expect(t.frontend("TCP/192.0.2.10:443")?.service).toBe("default/b");
    expect(t.loadBalancers().find((v) => v.service === "default/b")!.blocked).toEqual([]);
  });

  test("node IPs changing moves NodePort frontends", () => {
    const { t } = table();
    t.upsertService(service("web", { type: "NodePort", clusterIP: "10.43.0.5", ports: [{ port: 80, nodePort: 30080 }] }));
    t.setNodeIPs(["198.51.100.1"]);
    expect([...t.frontends()].map((f) => f.key).sort()).toEqual(["TCP/10.43.0.5:80", "TCP/198.51.100.1:30080"]);
  });

  test("dual-stack: each ClusterIP family relays to endpoints of its own family", () => {
    const { t } = table();
    t.upsertService(service("ds", { clusterIP: "10.43.0.30", clusterIPs: ["10.43.0.30", "fd00:43::30"], ipFamilies: ["IPv4", "IPv6"], ports: [{ port: 80 }] }));
    t.upsertSlice(slice("ds-v4", "ds", [{ port: 80 }], [{ ip: "10.42.0.2" }]));
    t.upsertSlice(slice("ds-v6", "ds", [{ port: 80 }], [{ ip: "fd00:42::2" }]));
    expect(targetsOf(t.frontend("TCP/10.43.0.30:80"))).toEqual(["10.42.0.2:80"]);
    expect(targetsOf(t.frontend("TCP/[fd00:43::30]:80"))).toEqual(["[fd00:42::2]:80"]);
  });

  test("excluded ClusterIPs (served by the node's DNS) get no frontend", () => {
    const t = new ServiceTable({ nodeIPs: NODE_IPS, excludeClusterIPs: ["10.43.0.10"] });
    t.upsertService(service("kube-dns", { type: "NodePort", clusterIP: "10.43.0.10", ports: [{ port: 53, protocol: "UDP", nodePort: 30053 }] }, "kube-system"));
    expect([...t.frontends()].map((f) => f.key).sort()).toEqual(["UDP/192.0.2.10:30053", "UDP/192.0.2.11:30053"]);
  });

  test("UDP ports match UDP slice ports only", () => {
    const { t } = table();
    t.upsertService(service("dns", { clusterIP: "10.43.0.10", ports: [{ name: "dns", port: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, protocol: "TCP" }] }));
    t.upsertSlice(slice("dns-a", "dns", [{ name: "dns", port: 5353, protocol: "UDP" }, { name: "dns-tcp", port: 5353, protocol: "TCP" }], [{ ip: "10.42.0.2" }]));
    expect(t.frontend("UDP/10.43.0.10:53")!.protocol).toBe("UDP");
    expect(targetsOf(t.frontend("UDP/10.43.0.10:53"))).toEqual(["10.42.0.2:5353"]);
    expect(targetsOf(t.frontend("TCP/10.43.0.10:53"))).toEqual(["10.42.0.2:5353"]);
  });
});

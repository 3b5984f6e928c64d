import { describe, expect, test } from "bun:test";
import { ClusterDnsStore } from "./record-store.ts";
import { RCODE, T } from "./records.ts";
import { node, pod, service, slice } from "./test-objects.ts";

const D = "cluster.local";
const newStore = () => new ClusterDnsStore({ dnsServiceIp: "10.43.0.10", now: () => 1_700_000_000 });
const addrs = (s: ClusterDnsStore, name: string, type: number = T.A) => (s.lookup(name, type)?.answers ?? []).map((r: any) => r.address ?? r.domain ?? `${r.port} ${r.target}`).sort();

describe("ClusterIP services", () => {
  const web = service("shop", "web", { clusterIP: "10.43.0.20", clusterIPs: ["10.43.0.20"], ports: [{ name: "http", port: 80, protocol: "TCP" }, { name: "dns", port: 53, protocol: "UDP" }, { port: 9000 }] });

  test("A for the ClusterIP with TTL 5, authoritative", () => {
    const s = newStore();
    s.apply(web);
    const a = s.lookup(`web.shop.svc.${D}`, T.A)!;
    expect(a.rcode).toBe(RCODE.NOERROR);
    expect(a.authoritative).toBe(true);
    expect(a.answers).toEqual([{ name: `web.shop.svc.${D}`, type: T.A, ttl: 5, address: "10.43.0.20" }]);
  });

  test("SRV per named port and protocol, targeting the service name, with its A as extra", () => {
    const s = newStore();
    s.apply(web);
    const http = s.lookup(`_http._tcp.web.shop.svc.${D}`, T.SRV)!;
    expect(http.answers).toEqual([{ name: `_http._tcp.web.shop.svc.${D}`, type: T.SRV, ttl: 5, priority: 0, weight: 100, port: 80, target: `web.shop.svc.${D}` }]);
    expect(http.additionals.map((r: any) => r.address)).toEqual(["10.43.0.20"]);
    expect(addrs(s, `_dns._udp.web.shop.svc.${D}`, T.SRV)).toEqual([`53 web.shop.svc.${D}`]);
    // the wrong protocol is not a name
    expect(s.lookup(`_http._udp.web.shop.svc.${D}`, T.SRV)!.rcode).toBe(RCODE.NXDOMAIN);
    // SRV at the service name lists every port, unnamed ones too; weights share 100
    const all = s.lookup(`web.shop.svc.${D}`, T.SRV)!.answers as any[];
    expect(all.map((r) => r.port).sort()).toEqual([53, 80, 9000]);
    expect(all.every((r) => r.weight === 33)).toBe(true);
  });

  test("PTR for the ClusterIP", () => {
    const s = newStore();
    s.apply(web);
    expect(addrs(s, "20.0.43.10.in-addr.arpa", T.PTR)).toEqual([`web.shop.svc.${D}`]);
  });

  test("AAAA for an IPv6 ClusterIP, and NODATA for AAAA on an IPv4-only service", () => {
    const s = newStore();
    s.apply(service("shop", "dual", { clusterIP: "10.43.0.30", clusterIPs: ["10.43.0.30", "fd00:43::30"] }));
    expect(addrs(s, `dual.shop.svc.${D}`, T.AAAA)).toEqual(["fd00:43::30"]);
    expect(addrs(s, `dual.shop.svc.${D}`, T.A)).toEqual(["10.43.0.30"]);
    expect(addrs(s, "0.3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.4.0.0.0.0.d.f.ip6.arpa", T.PTR)).toEqual([`dual.shop.svc.${D}`]);
    s.apply(web);
    const nodata = s.lookup(`web.shop.svc.${D}`, T.AAAA)!;
    expect(nodata.rcode).toBe(RCODE.NOERROR);
    expect(nodata.answers).toEqual([]);
    expect(nodata.authority.map((r) => r.type)).toEqual([T.SOA]);
  });

  test("update replaces the records, delete removes them", () => {
    const s = newStore();
    s.apply(web);
    const g = s.generation;
    s.apply({ ...web, spec: { ...web.spec, clusterIP: "10.43.0.21", clusterIPs: ["10.43.0.21"] } });
    expect(s.generation).toBeGreaterThan(g);
    expect(addrs(s, `web.shop.svc.${D}`)).toEqual(["10.43.0.21"]);
    expect(s.lookup("20.0.43.10.in-addr.arpa", T.PTR)).toBeUndefined(); // old PTR gone (falls through)
    s.delete(web);
    expect(s.lookup(`web.shop.svc.${D}`, T.A)!.rcode).toBe(RCODE.NXDOMAIN);
    expect(s.lookup(`_http._tcp.web.shop.svc.${D}`, T.SRV)!.rcode).toBe(RCODE.NXDOMAIN);
    expect(s.lookup("21.0.43.10.in-addr.arpa", T.PTR)).toBeUndefined();
  });

  test("an identical re-apply (status churn) does not bump the generation", () => {
    const s = newStore();
    s.apply(web);
    const g = s.generation;
    s.apply(structuredClone(web));
    expect(s.generation).toBe(g);
  });
});

describe("headless services", () => {
  const db = service("shop", "db", { clusterIP: "None", clusterIPs: ["None"], ports: [{ name: "pg", port: 5432 }] });
  const eps = slice("shop", "db-abc", "db", [
    { ip: "10.42.0.5", hostname: "db-0" },
    { ip: "10.42.1.6", hostname: "db-1" },
    { ip: "10.42.1.7", ready: false, hostname: "db-2" },
    { ip: "10.42.2.8" },
  ], [{ name: "pg", port: 5432 }]);

  test("A returns the ready endpoint IPs only", () => {
    const s = newStore();
    s.apply(db);
    s.apply(eps);
    expect(addrs(s, `db.shop.svc.${D}`)).toEqual(["10.42.0.5", "10.42.1.6", "10.42.2.8"]);
  });

  test("StatefulSet-style hostnames and dashed-IP names resolve; an unready one does not", () => {
    const s = newStore();
    s.apply(db);
    s.apply(eps);
    expect(addrs(s, `db-0.db.shop.svc.${D}`)).toEqual(["10.42.0.5"]);
    expect(addrs(s, `10-42-2-8.db.shop.svc.${D}`)).toEqual(["10.42.2.8"]);
    expect(s.lookup(`db-2.db.shop.svc.${D}`, T.A)!.rcode).toBe(RCODE.NXDOMAIN);
  });

  test("SRV targets the pod hostnames, weights split evenly, extras carry their A records", () => {
    const s = newStore();
    s.apply(db);
    s.apply(eps);
    const srv = s.lookup(`_pg._tcp.db.shop.svc.${D}`, T.SRV)!;
    expect((srv.answers as any[]).map((r) => `${r.weight} ${r.port} ${r.target}`).sort()).toEqual([
      `33 5432 10-42-2-8.db.shop.svc.${D}`,
      `33 5432 db-0.db.shop.svc.${D}`,
      `33 5432 db-1.db.shop.svc.${D}`,
    ]);
    expect(srv.additionals.map((r: any) => `${r.name} ${r.address}`).sort()).toContain(`db-0.db.shop.svc.${D} 10.42.0.5`);
  });

  test("PTR of an endpoint IP names the endpoint", () => {
    const s = newStore();
    s.apply(db);
    s.apply(eps);
    expect(addrs(s, "5.0.42.10.in-addr.arpa", T.PTR)).toEqual([`db-0.db.shop.svc.${D}`]);
  });

  test("publishNotReadyAddresses publishes unready endpoints", () => {
    const s = newStore();
    s.apply({ ...db, spec: { ...db.spec, publishNotReadyAddresses: true } });
    s.apply(eps);
    expect(addrs(s, `db-2.db.shop.svc.${D}`)).toEqual(["10.42.1.7"]);
    expect(addrs(s, `db.shop.svc.${D}`)).toHaveLength(4);
  });

  test("endpoint changes apply incrementally: turning unready, slice deleted, slice before service", () => {
    const s = newStore();
    s.apply(eps); // the slice may arrive first
    expect(s.lookup(`db.shop.svc.${D}`, T.A)!.rcode).toBe(RCODE.NXDOMAIN);
    s.apply(db);
    expect(addrs(s, `db.shop.svc.${D}`)).toHaveLength(3);
    const unready = structuredClone(eps);
    unready.endpoints[0].conditions.ready = false;
    s.apply(unready);
    expect(addrs(s, `db.shop.svc.${D}`)).toEqual(["10.42.1.6", "10.42.2.8"]);
    expect(s.lookup(`db-0.db.shop.svc.${D}`, T.A)!.rcode).toBe(RCODE.NXDOMAIN);
    s.delete(unready);
    // the service still exists without endpoints: NODATA, not NXDOMAIN
    const empty = s.lookup(`db.shop.svc.${D}`, T.A)!;
    expect(empty.rcode).toBe(RCODE.NOERROR);
    expect(empty.answers).toEqual([]);
  });

  test("two slices of one service both count; relabelling a slice moves it", () => {
    const s = newStore();
    s.apply(db);
    s.apply(slice("shop", "db-1", "db", [{ ip: "10.42.0.1" }]));
    s.apply(slice("shop", "db-2", "db", [{ ip: "10.42.0.2" }]));
    expect(addrs(s, `db.shop.svc.${D}`)).toEqual(["10.42.0.1", "10.42.0.2"]);
    s.apply(slice("shop", "db-2", "other", [{ ip: "10.42.0.2" }]));
    expect(addrs(s, `db.shop.svc.${D}`)).toEqual(["10.42.0.1"]);
  });
});

describe("ExternalName", () => {
  test("CNAME, and chase outside the zone", () => {
    const s = newStore();
    s.apply(service("shop", "ext", { type: "ExternalName", externalName: "db.example.com." }));
    const c = s.lookup(`ext.shop.svc.${D}`, T.CNAME)!;
    expect(c.answers).toEqual([{ name: `ext.shop.svc.${D}`, type: T.CNAME, ttl: 5, domain: "db.example.com" }]);
    const a = s.lookup(`ext.shop.svc.${D}`, T.A)!;
    expect(a.answers.map((r) => r.type)).toEqual([T.CNAME]);
    expect(a.chase).toBe("db.example.com");
  });

  test("a CNAME to a name inside the zone is followed here", () => {
    const s = newStore();
    s.apply(service("shop", "web", { clusterIP: "10.43.0.20" }));
    s.apply(service("shop", "alias", { type: "ExternalName", externalName: `web.shop.svc.${D}` }));
    const a = s.lookup(`alias.shop.svc.${D}`, T.A)!;
    expect(a.chase).toBeUndefined();
    expect(a.answers.map((r: any) => r.domain ?? r.address)).toEqual([`web.shop.svc.${D}`, "10.43.0.20"]);
  });
});

describe("pods", () => {
  test("a-b-c-d.<ns>.pod answers (pods insecure, as K3s)", () => {
    const s = newStore();
    expect(addrs(s, `10-42-0-9.shop.pod.${D}`)).toEqual(["10.42.0.9"]);
    expect(s.lookup(`10-42-0-9.shop.pod.${D}`, T.AAAA)!.answers).toEqual([]);
    expect(s.lookup(`not-an-ip.shop.pod.${D}`, T.A)!.rcode).toBe(RCODE.NXDOMAIN);
  });

  test("pods verified answers only for a pod with that IP in that namespace", () => {
    const s = new ClusterDnsStore({ pods: "verified" });
    expect(s.lookup(`10-42-0-9.shop.pod.${D}`, T.A)!.rcode).toBe(RCODE.NXDOMAIN);
    s.apply(pod("shop", "p", "10.42.0.9"));
    expect(addrs(s, `10-42-0-9.shop.pod.${D}`)).toEqual(["10.42.0.9"]);
    expect(s.lookup(`10-42-0-9.other.pod.${D}`, T.A)!.rcode).toBe(RCODE.NXDOMAIN);
    s.delete(pod("shop", "p", "10.42.0.9"));
    expect(s.lookup(`10-42-0-9.shop.pod.${D}`, T.A)!.rcode).toBe(RCODE.NXDOMAIN);
  });

  test("PTR of a pod IP: the pod name, unless a Service endpoint names it", () => {
    const s = newStore();
    s.apply(pod("shop", "p", "10.42.0.9"));
    expect(addrs(s, "9.0.42.10.in-addr.arpa", T.PTR)).toEqual([`10-42-0-9.shop.pod.${D}`]);
    s.apply(service("shop", "db", { clusterIP: "None" }));
    s.apply(slice("shop", "db-x", "db", [{ ip: "10.42.0.9", hostname: "db-0" }]));
    expect(addrs(s, "9.0.42.10.in-addr.arpa", T.PTR)).toEqual([`db-0.db.shop.svc.${D}`]);
    s.delete(pod("shop", "p"));
    s.delete(slice("shop", "db-x", "db", []));
    expect(s.lookup("9.0.42.10.in-addr.arpa", T.PTR)).toBeUndefined();
  });

  test("host-network pods add nothing (their IP is the node's)", () => {
    const s = newStore();
    s.apply(pod("shop", "h", "192.168.1.5", { hostNetwork: true }));
    expect(s.lookup("5.1.168.192.in-addr.arpa", T.PTR)).toBeUndefined();
  });
});

describe("nodes (NodeHosts)", () => {
  test("node names resolve to their InternalIP with TTL 60, PTR back; delete removes", () => {
    const s = newStore();
    s.apply(node("Node-A", "192.168.1.10"));
    const a = s.lookup("node-a", T.A)!;
    expect(a.answers).toEqual([{ name: "node-a", type: T.A, ttl: 60, address: "192.168.1.10" }]);
    expect(addrs(s, "10.1.168.192.in-addr.arpa", T.PTR)).toEqual(["node-a"]);
    // another type on a known host: NODATA, no SOA (the name is not in the zone)
    const aaaa = s.lookup("node-a", T.AAAA)!;
    expect([aaaa.rcode, aaaa.answers.length, aaaa.authority.length]).toEqual([RCODE.NOERROR, 0, 0]);
    const changes: boolean[] = [];
    s.onChange((c) => changes.push(c.outsideZone));
    s.delete(node("Node-A", "192.168.1.10"));
    expect(s.lookup("node-a", T.A)).toBeUndefined();
    expect(changes).toEqual([true]);
  });
});

describe("the zone itself", () => {
  test("NXDOMAIN carries the SOA CoreDNS gives", () => {
    const s = newStore();
    const nx = s.lookup(`nope.shop.svc.${D}`, T.A)!;
    expect(nx.rcode).toBe(RCODE.NXDOMAIN);
    expect(nx.authority).toEqual([
      { name: D, type: T.SOA, ttl: 5, primary: `ns.dns.${D}`, admin: `hostmaster.${D}`, serial: 1_700_000_000, refresh: 7200, retry: 1800, expiration: 86400, minimum: 5 },
    ]);
  });

  test("apex SOA and NS, ns.dns A, empty non-terminals are NODATA", () => {
    const s = newStore();
    s.apply(service("shop", "web", { clusterIP: "10.43.0.20" }));
    expect(s.lookup(D, T.SOA)!.answers.map((r) => r.type)).toEqual([T.SOA]);
    const ns = s.lookup(D, T.NS)!;
    expect(ns.answers).toEqual([{ name: D, type: T.NS, ttl: 5, ns: `ns.dns.${D}` }]);
    expect(ns.additionals.map((r: any) => r.address)).toEqual(["10.43.0.10"]);
    expect(addrs(s, `ns.dns.${D}`)).toEqual(["10.43.0.10"]);
    for (const ent of [`shop.svc.${D}`, `svc.${D}`, `pod.${D}`, D]) {
      const r = s.lookup(ent, T.A)!;
      expect([ent, r.rcode, r.answers.length]).toEqual([ent, RCODE.NOERROR, 0]);
    }
    expect(s.lookup(`other.svc.${D}`, T.A)!.rcode).toBe(RCODE.NXDOMAIN);
    s.delete(service("shop", "web", {}));
    expect(s.lookup(`shop.svc.${D}`, T.A)!.rcode).toBe(RCODE.NXDOMAIN);
  });

  test("names outside the zone are not the store's (forwarded)", () => {
    const s = newStore();
    expect(s.lookup("example.com", T.A)).toBeUndefined();
    expect(s.lookup("1.1.1.1.in-addr.arpa", T.PTR)).toBeUndefined();
  });

  test("the SOA serial moves forward on every change", () => {
    let now = 1000;
    const s = new ClusterDnsStore({ now: () => now });
    const before = s.soa().serial;
    s.apply(service("a", "b", { clusterIP: "10.43.0.5" }));
    const after = s.soa().serial;
    expect(after).toBeGreaterThan(before);
    now = 5000;
    s.apply(service("a", "c", { clusterIP: "10.43.0.6" }));
    expect(s.soa().serial).toBe(5000);
  });
});

describe("informer handlers", () => {
  test("handlerFor takes the kind from the informer, not from the object", () => {
    const s = newStore();
    const svc = service("shop", "web", { clusterIP: "10.43.0.20" });
    delete (svc as any).kind;
    s.handlerFor("Service").onChange(svc);
    expect(addrs(s, `web.shop.svc.${D}`)).toEqual(["10.43.0.20"]);
    s.handlerFor("Service").onDelete(svc);
    expect(s.lookup(`web.shop.svc.${D}`, T.A)!.rcode).toBe(RCODE.NXDOMAIN);
  });
});

import { describe, expect, test } from "bun:test";
import { commandFor, desiredState, planChanges } from "./plan.ts";
import { type Backend, DEFAULT_VXLAN, type NetChange, type NetState, type Peer, type RouteEntry } from "./types.ts";

const DEV = DEFAULT_VXLAN.device;
const cfg = (backend: Backend) => ({ clusterCIDR: "10.42.0.0/16", serviceCIDR: "10.43.0.0/16", backend, vxlan: DEFAULT_VXLAN });
const B: Peer = { name: "b", nodeIP: "172.31.0.2", podCIDR: "10.42.1.0/24", vtepMac: "0a:00:00:00:00:0b" };
const C: Peer = { name: "c", nodeIP: "172.31.0.3", podCIDR: "10.42.2.0/24", vtepMac: "0a:00:00:00:00:0c" };

const EMPTY: NetState = { routes: [], neighbours: [], fdb: [] };
/** What a fresh node namespace shows: its connected route and the bridge's, none of them ours. */
const KERNEL: RouteEntry[] = [
  { dst: "172.31.0.0/24", type: "unicast", dev: "eth0", ours: false },
  { dst: "10.42.0.0/24", type: "unicast", dev: "k3rs0", ours: false },
];

/** The kernel's view after the changes: what `ip -j route/neigh`, `bridge -j fdb` would then show. */
function applied(actual: NetState, changes: NetChange[]): NetState {
  const s: NetState = { routes: [...actual.routes], neighbours: [...actual.neighbours], fdb: [...actual.fdb] };
  for (const c of changes) {
    if (c.op === "route-replace") s.routes = [...s.routes.filter((r) => r.dst !== c.route.dst), { ...c.route, dev: c.route.dev ?? "eth0", ours: true }];
    if (c.op === "route-delete") s.routes = s.routes.filter((r) => r.dst !== c.route.dst);
    if (c.op === "neigh-replace") s.neighbours = [...s.neighbours.filter((n) => n.ip !== c.neigh.ip), { ...c.neigh, permanent: true }];
    if (c.op === "neigh-delete") s.neighbours = s.neighbours.filter((n) => n.ip !== c.neigh.ip);
    if (c.op === "fdb-append") s.fdb = [...s.fdb, c.fdb];
    if (c.op === "fdb-delete") s.fdb = s.fdb.filter((f) => !(f.mac === c.fdb.mac && f.dst === c.fdb.dst));
  }
  return s;
}

/** A node that converged on `peers` from a fresh start. */
function converged(backend: Backend, peers: Peer[]): NetState {
  const start = { ...EMPTY, routes: KERNEL };
  return applied(start, planChanges(desiredState(cfg(backend), peers), start));
}

const cmd = (changes: NetChange[]) => changes.map((c) => commandFor(c, DEV)).map(({ tool, args }) => `${tool} ${args.join(" ")}`);

describe.each(["host-gw", "vxlan"] as const)("%s", (backend) => {
  test.each([
    ["a fresh node", [], [B, C]],
    ["a node added", [B], [B, C]],
    ["a node removed", [B, C], [B]],
    ["the last node removed", [B, C], []],
    ["a node's IP changed", [B, C], [B, { ...C, nodeIP: "172.31.0.30" }]],
    ["a node's MAC changed", [B, C], [B, { ...C, vtepMac: "0a:00:00:00:00:cc" }]],
    ["a node's podCIDR changed", [B, C], [B, { ...C, podCIDR: "10.42.9.0/24" }]],
  ])("%s: one plan converges, the next is empty", (_, before, after) => {
    const actual = converged(backend, before as Peer[]);
    const want = desiredState(cfg(backend), after as Peer[]);
    const changes = planChanges(want, actual);
    expect(planChanges(want, applied(actual, changes))).toEqual([]);
  });

  test("steady state writes nothing (no flapping)", () => {
    expect(planChanges(desiredState(cfg(backend), [B, C]), converged(backend, [B, C]))).toEqual([]);
  });

  test("the safety routes come first and always", () => {
    const changes = planChanges(desiredState(cfg(backend), [B]), { ...EMPTY, routes: KERNEL });
    expect(cmd(changes.slice(0, 2))).toEqual(["ip route replace unreachable 10.42.0.0/16 proto 151", "ip route replace unreachable 10.43.0.0/16 proto 151"]);
    expect(cmd(planChanges(desiredState(cfg(backend), []), { ...EMPTY, routes: KERNEL }))).toHaveLength(2);
  });

  test("an unreachable route somebody else installed (the proxy, a test) is taken as is", () => {
    const routes: RouteEntry[] = [...KERNEL, { dst: "10.42.0.0/16", type: "unreachable", ours: false }, { dst: "10.43.0.0/16", type: "unreachable", ours: false }];
    expect(planChanges(desiredState(cfg(backend), []), { ...EMPTY, routes })).toEqual([]);
  });

  test("routes that are not ours are never removed", () => {
    const routes: RouteEntry[] = [...converged(backend, []).routes, { dst: "10.42.7.0/24", type: "unicast", gateway: "172.31.0.7", dev: "eth0", ours: false }];
    expect(planChanges(desiredState(cfg(backend), []), { ...EMPTY, routes })).toEqual([]);
  });
});

describe("host-gw", () => {
  test("routes each peer's podCIDR via its node IP; a change replaces, a removal withdraws", () => {
    expect(cmd(planChanges(desiredState(cfg("host-gw"), [B]), converged("host-gw", [])))).toEqual(["ip route replace 10.42.1.0/24 via 172.31.0.2 proto 151"]);
    expect(cmd(planChanges(desiredState(cfg("host-gw"), [{ ...B, nodeIP: "172.31.0.20" }]), converged("host-gw", [B])))).toEqual([
      "ip route replace 10.42.1.0/24 via 172.31.0.20 proto 151",
    ]);
    expect(cmd(planChanges(desiredState(cfg("host-gw"), []), converged("host-gw", [B])))).toEqual(["ip route del 10.42.1.0/24 via 172.31.0.2 dev eth0 proto 151"]);
  });

  test("switching from vxlan replaces the routes through the device", () => {
    expect(cmd(planChanges(desiredState(cfg("host-gw"), [B]), converged("vxlan", [B])))).toEqual([
      "ip neigh del 10.42.1.0 dev k3rs.vxlan",
      "bridge fdb del 0a:00:00:00:00:0b dev k3rs.vxlan dst 172.31.0.2 self",
      "ip route replace 10.42.1.0/24 via 172.31.0.2 proto 151",
    ]);
  });
});

describe("vxlan", () => {
  test("a new peer: FDB and neighbour entries before the route that needs them", () => {
    expect(cmd(planChanges(desiredState(cfg("vxlan"), [B]), converged("vxlan", [])))).toEqual([
      "bridge fdb append 0a:00:00:00:00:0b dev k3rs.vxlan dst 172.31.0.2 self permanent",
      "ip neigh replace 10.42.1.0 lladdr 0a:00:00:00:00:0b dev k3rs.vxlan nud permanent",
      "ip route replace 10.42.1.0/24 via 10.42.1.0 dev k3rs.vxlan onlink proto 151",
    ]);
  });

  test("a peer gone: route, neighbour and FDB entry withdrawn, the others kept", () => {
    expect(cmd(planChanges(desiredState(cfg("vxlan"), [C]), converged("vxlan", [B, C])))).toEqual([
      "ip route del 10.42.1.0/24 via 10.42.1.0 dev k3rs.vxlan proto 151",
      "ip neigh del 10.42.1.0 dev k3rs.vxlan",
      "bridge fdb del 0a:00:00:00:00:0b dev k3rs.vxlan dst 172.31.0.2 self",
    ]);
  });

  test("a peer moved to another IP: only its FDB entry changes", () => {
    expect(cmd(planChanges(desiredState(cfg("vxlan"), [{ ...B, nodeIP: "172.31.0.20" }]), converged("vxlan", [B])))).toEqual([
      "bridge fdb del 0a:00:00:00:00:0b dev k3rs.vxlan dst 172.31.0.2 self",
      "bridge fdb append 0a:00:00:00:00:0b dev k3rs.vxlan dst 172.31.0.20 self permanent",
    ]);
  });

  test("a neighbour entry the kernel made itself (FAILED) for a peer's VTEP is replaced; for others left alone", () => {
    const actual = converged("vxlan", [B]);
    actual.neighbours = [{ ip: "10.42.1.0", mac: "", permanent: false }, { ip: "10.42.5.0", mac: "", permanent: false }];
    expect(cmd(planChanges(desiredState(cfg("vxlan"), [B]), actual))).toEqual(["ip neigh replace 10.42.1.0 lladdr 0a:00:00:00:00:0b dev k3rs.vxlan nud permanent"]);
  });

  test("MACs compare without regard to case", () => {
    const actual = converged("vxlan", [B]);
    actual.neighbours = actual.neighbours.map((n) => ({ ...n, mac: n.mac.toUpperCase() }));
    actual.fdb = actual.fdb.map((f) => ({ ...f, mac: f.mac.toUpperCase() }));
    expect(planChanges(desiredState(cfg("vxlan"), [B]), actual)).toEqual([]);
  });
});

/**
 * Pod routing as plan-then-act: `desiredState` says what the node's network should hold for
 * the current peers, `planChanges` compares it with what the kernel holds (actual-state.ts)
 * and lists the changes, in the order that never opens a hole, and `commandFor` turns one
 * change into an iproute2 call. All pure: table-tested in plan.test.ts.
 */
import { nthAddress } from "./ipv4.ts";
import type { NetTool } from "../net-runner.ts";
import { type FdbEntry, type NeighEntry, type NetChange, type NetState, type Peer, ROUTE_PROTO, type RouteEntry, type RoutesConfig } from "./types.ts";

/**
 * What the node's network should hold. The `unreachable` routes for the cluster and service
 * CIDRs come first and always: a packet for an address nobody owns dies on the node instead
 * of leaving by the default route; a more specific route (a peer's podCIDR, the bridge's
 * connected route, a ClusterIP on the proxy's interface) wins over them.
 *
 * - host-gw: `<podCIDR> via <nodeIP>` — the nodes share one L2 segment.
 * - vxlan (as flannel): `<podCIDR> via <peer's podCIDR .0> dev <vxlan> onlink`, a permanent
 *   neighbour entry giving that .0 the peer's VTEP MAC, and an FDB entry sending that MAC
 *   to the peer's node IP; no learning, no multicast.
 */
export function desiredState(cfg: Pick<RoutesConfig, "clusterCIDR" | "serviceCIDR" | "backend" | "vxlan">, peers: Peer[]): NetState {
  const routes: RouteEntry[] = [
    { dst: cfg.clusterCIDR, type: "unreachable" },
    { dst: cfg.serviceCIDR, type: "unreachable" },
  ];
  const neighbours: NeighEntry[] = [];
  const fdb: FdbEntry[] = [];
  for (const p of peers) {
    if (cfg.backend === "host-gw") {
      routes.push({ dst: p.podCIDR, type: "unicast", gateway: p.nodeIP });
      continue;
    }
    if (!p.vtepMac) continue;
    const vtep = nthAddress(p.podCIDR, 0);
    routes.push({ dst: p.podCIDR, type: "unicast", gateway: vtep, dev: cfg.vxlan.device, onlink: true });
    neighbours.push({ ip: vtep, mac: p.vtepMac });
    fdb.push({ mac: p.vtepMac, dst: p.nodeIP });
  }
  return { routes, neighbours, fdb };
}

function routeMatches(want: RouteEntry, have: RouteEntry): boolean {
  return (
    want.type === have.type &&
    want.gateway === have.gateway &&
    (want.dev === undefined || want.dev === have.dev) &&
    !!want.onlink === !!have.onlink
  );
}

const fdbKey = (f: FdbEntry) => `${f.mac.toLowerCase()}>${f.dst}`;

/**
 * The changes that turn `actual` into `desired`; none when they agree, so a sync that runs
 * every few seconds writes nothing (no flapping). Only routes stamped with our protocol are
 * ever removed; neighbour and FDB entries live on our own VXLAN device, so any permanent one
 * nobody wants is ours to remove.
 *
 * Order: the safety routes first; then what is withdrawn (a node that went, a changed
 * address); then neighbour and FDB entries before the routes that need them, so a new route
 * never sends packets to a MAC the device cannot place.
 */
export function planChanges(desired: NetState, actual: NetState): NetChange[] {
  const haveRoutes = new Map<string, RouteEntry>();
  for (const r of actual.routes) if (!haveRoutes.has(r.dst)) haveRoutes.set(r.dst, r);
  const wantRoutes = new Map(desired.routes.map((r) => [r.dst, r]));
  const staleRoute = (w: RouteEntry) => {
    const h = haveRoutes.get(w.dst);
    return !h || !routeMatches(w, h);
  };

  const safety: NetChange[] = desired.routes.filter((r) => r.type === "unreachable" && staleRoute(r)).map((route) => ({ op: "route-replace", route }));
  const withdraw: NetChange[] = actual.routes.filter((r) => r.ours && !wantRoutes.has(r.dst)).map((route) => ({ op: "route-delete", route }));

  const wantNeigh = new Map(desired.neighbours.map((n) => [n.ip, n]));
  const haveNeigh = new Map(actual.neighbours.map((n) => [n.ip, n]));
  for (const n of actual.neighbours) if (n.permanent !== false && !wantNeigh.has(n.ip)) withdraw.push({ op: "neigh-delete", neigh: n });

  const wantFdb = new Set(desired.fdb.map(fdbKey));
  const haveFdb = new Set(actual.fdb.map(fdbKey));
  for (const f of actual.fdb) if (!wantFdb.has(fdbKey(f))) withdraw.push({ op: "fdb-delete", fdb: f });

  const add: NetChange[] = [];
  for (const f of desired.fdb) if (!haveFdb.has(fdbKey(f))) add.push({ op: "fdb-append", fdb: f });
  for (const n of desired.neighbours) {
    const h = haveNeigh.get(n.ip);
    if (!h || h.mac.toLowerCase() !== n.mac.toLowerCase() || h.permanent === false) add.push({ op: "neigh-replace", neigh: n });
  }
  for (const r of desired.routes) if (r.type !== "unreachable" && staleRoute(r)) add.push({ op: "route-replace", route: r });

  return [...safety, ...withdraw, ...add];
}

/** The iproute2 command for one change; neighbour and FDB entries go on the VXLAN device. */
export function commandFor(change: NetChange, vxlanDevice: string): { tool: NetTool; args: string[] } {
  switch (change.op) {
    case "route-replace":
    case "route-delete": {
      const r = change.route;
      const args = ["route", change.op === "route-replace" ? "replace" : "del"];
      if (r.type === "unreachable") args.push("unreachable");
      args.push(r.dst);
      if (r.gateway) args.push("via", r.gateway);
      if (r.dev) args.push("dev", r.dev);
      if (r.onlink && change.op === "route-replace") args.push("onlink");
      args.push("proto", ROUTE_PROTO);
      return { tool: "ip", args };
    }
    case "neigh-replace":
      return { tool: "ip", args: ["neigh", "replace", change.neigh.ip, "lladdr", change.neigh.mac, "dev", vxlanDevice, "nud", "permanent"] };
    case "neigh-delete":
      return { tool: "ip", args: ["neigh", "del", change.neigh.ip, "dev", vxlanDevice] };
    case "fdb-append":
      return { tool: "bridge", args: ["fdb", "append", change.fdb.mac, "dev", vxlanDevice, "dst", change.fdb.dst, "self", "permanent"] };
    case "fdb-delete":
      return { tool: "bridge", args: ["fdb", "del", change.fdb.mac, "dev", vxlanDevice, "dst", change.fdb.dst, "self"] };
  }
}

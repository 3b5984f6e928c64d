/**
 * What the kernel holds now, read back as `NetState` from iproute2's JSON (`ip -N -j route`,
 * `ip -j neigh`, `bridge -j fdb`), so every sync converges on the truth rather than on what
 * an earlier run believes it did (an agent restart, an admin's `ip route del`).
 */
import { mustRun, type NetRunner } from "../net-runner.ts";
import { type FdbEntry, type NeighEntry, type NetState, ROUTE_PROTO, type RouteEntry } from "./types.ts";

interface IpRouteJson {
  type?: string;
  dst?: string;
  gateway?: string;
  dev?: string;
  protocol?: string | number;
  metric?: number;
  flags?: string[];
}

/** `-N` (numbers, so our protocol reads "151" even where rt_protos names it) numbers the type too: RTN_UNICAST 1, RTN_UNREACHABLE 7. */
const ROUTE_TYPES: Record<string, RouteEntry["type"]> = { unicast: "unicast", "1": "unicast", unreachable: "unreachable", "7": "unreachable" };

/**
 * Routes of the main table. Routes with a metric are left out: `ip route replace` without
 * one never touches them, so comparing against them would replace forever.
 */
export function parseRoutes(json: string): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const e of JSON.parse(json || "[]") as IpRouteJson[]) {
    if (!e.dst || (e.metric !== undefined && e.metric !== 0)) continue;
    const dst = e.dst === "default" ? "0.0.0.0/0" : e.dst.includes("/") ? e.dst : `${e.dst}/32`;
    const type = ROUTE_TYPES[String(e.type ?? "unicast")] ?? "other";
    const r: RouteEntry = { dst, type, ours: String(e.protocol) === ROUTE_PROTO };
    if (e.gateway) r.gateway = e.gateway;
    if (e.dev) r.dev = e.dev;
    if (e.flags?.includes("onlink")) r.onlink = true;
    out.push(r);
  }
  return out;
}

export function parseNeighbours(json: string): NeighEntry[] {
  const out: NeighEntry[] = [];
  for (const e of JSON.parse(json || "[]") as { dst?: string; lladdr?: string; state?: string[] }[]) {
    if (!e.dst || e.dst.includes(":")) continue;
    out.push({ ip: e.dst, mac: (e.lladdr ?? "").toLowerCase(), permanent: !!e.state?.includes("PERMANENT") });
  }
  return out;
}

/** Forwarding entries that send a MAC to a remote node (those with a `dst`). */
export function parseFdb(json: string): FdbEntry[] {
  const out: FdbEntry[] = [];
  for (const e of JSON.parse(json || "[]") as { mac?: string; dst?: string }[]) if (e.mac && e.dst) out.push({ mac: e.mac.toLowerCase(), dst: e.dst });
  return out;
}

/** Reads the node's state; neighbour and FDB entries are empty while the VXLAN device does not exist (`deviceFound` false). */
export async function readActualState(run: NetRunner, vxlanDevice: string): Promise<NetState & { deviceFound: boolean }> {
  const routes = parseRoutes((await mustRun(run, "ip", ["-N", "-j", "route", "show", "table", "main"])).stdout);
  const neigh = await run("ip", ["-j", "neigh", "show", "dev", vxlanDevice]);
  const fdb = await run("bridge", ["-j", "fdb", "show", "dev", vxlanDevice]);
  return {
    routes,
    neighbours: neigh.code === 0 ? parseNeighbours(neigh.stdout) : [],
    fdb: fdb.code === 0 ? parseFdb(fdb.stdout) : [],
    deviceFound: neigh.code === 0,
  };
}

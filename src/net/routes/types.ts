/** What pod routing is told (config) and what it reasons about (peers, network state, changes). */

/** K3s's `--flannel-backend` names; vxlan is K3s's default. */
export type Backend = "host-gw" | "vxlan";
export const BACKENDS: readonly Backend[] = ["host-gw", "vxlan"];
export const DEFAULT_BACKEND: Backend = "vxlan";

export const DEFAULT_CLUSTER_CIDR = "10.42.0.0/16";
export const DEFAULT_SERVICE_CIDR = "10.43.0.0/16";

/** Flannel's values: VNI 1 and the Linux VXLAN port 8472 (not IANA's 4789), device `flannel.1`. */
export const DEFAULT_VXLAN = { device: "k3rs.vxlan", vni: 1, port: 8472 } as const;

/**
 * Routing protocol number stamped on every route this module installs (`ip route … proto
 * 151`), so a sync can tell its own routes from the kernel's, the CNI's or an admin's and
 * never removes those. 151 is unassigned in iproute2's rt_protos.
 */
export const ROUTE_PROTO = "151";

export interface VxlanOptions {
  device: string;
  vni: number;
  port: number;
}

/** One node's view of the pod network. */
export interface RoutesConfig {
  nodeName: string;
  /** this node's InternalIP: VXLAN's local address, and what peers route to */
  nodeIP: string;
  /** this node's `spec.podCIDR` */
  podCIDR: string;
  clusterCIDR: string;
  serviceCIDR: string;
  backend: Backend;
  vxlan: VxlanOptions;
  /**
   * The node's own CNI bridge, which holds the podCIDR's gateway address by right; any other
   * interface holding an address in the podCIDR is stale (see stale-interface.ts).
   */
  bridge: string;
}

/** Another node, as far as routing to its pods is concerned. */
export interface Peer {
  name: string;
  nodeIP: string;
  podCIDR: string;
  /** its VXLAN device's MAC (vxlan backend only) */
  vtepMac?: string;
}

export interface RouteEntry {
  dst: string;
  /** "other" for the kinds this module never installs (blackhole, prohibit, …) */
  type: "unicast" | "unreachable" | "other";
  gateway?: string;
  dev?: string;
  onlink?: boolean;
  /** true when the route carries ROUTE_PROTO (actual state only) */
  ours?: boolean;
}

export interface NeighEntry {
  ip: string;
  mac: string;
  /** false for entries the kernel made itself (REACHABLE, FAILED…) (actual state only) */
  permanent?: boolean;
}

export interface FdbEntry {
  mac: string;
  dst: string;
}

/** The routes (main table), and on the VXLAN device its neighbour and forwarding entries. */
export interface NetState {
  routes: RouteEntry[];
  neighbours: NeighEntry[];
  fdb: FdbEntry[];
}

/** One change to the node's network; `commandFor` (plan.ts) turns it into an iproute2 call. */
export type NetChange =
  | { op: "route-replace"; route: RouteEntry }
  | { op: "route-delete"; route: RouteEntry }
  | { op: "neigh-replace"; neigh: NeighEntry }
  | { op: "neigh-delete"; neigh: NeighEntry }
  | { op: "fdb-append"; fdb: FdbEntry }
  | { op: "fdb-delete"; fdb: FdbEntry };

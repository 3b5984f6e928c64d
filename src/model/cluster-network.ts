/**
 * The cluster-wide network settings every node must agree on, as K3s keeps them on the server
 * and hands them to agents (its `/v1-k3s/config`): the pod and service networks, the cluster
 * DNS address and domain, the flannel backend, and the packaged components turned off with
 * `--disable`. The server answers them at `/v1-k3rs/config`; agents read them at start.
 */
import { isIPv4 } from "node:net";

export const CLUSTER_CONFIG_PATH = "/v1-k3rs/config";

/** K3s's `--flannel-backend` values this project implements. */
export const FLANNEL_BACKENDS = ["vxlan", "host-gw"] as const;
export type FlannelBackend = (typeof FLANNEL_BACKENDS)[number];

export interface ClusterNetwork {
  clusterCidr: string;
  serviceCidr: string;
  /** The cluster DNS Service IP pods are given (K3s `--cluster-dns`). */
  clusterDns: string;
  /** K3s `--cluster-domain`. */
  clusterDomain: string;
  flannelBackend: FlannelBackend;
  /** K3s `--disable`: packaged components not to run; agents honour `servicelb`. */
  disable: string[];
}

export const DEFAULT_CLUSTER_NETWORK: ClusterNetwork = {
  clusterCidr: "10.42.0.0/16",
  serviceCidr: "10.43.0.0/16",
  clusterDns: "10.43.0.10",
  clusterDomain: "cluster.local",
  flannelBackend: "vxlan",
  disable: [],
};

function ipv4Number(ip: string): number {
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

/** Whether `ip` lies in the IPv4 `cidr`. */
export function cidrHolds(cidr: string, ip: string): boolean {
  const [base, bits] = cidr.split("/");
  const prefix = Number(bits);
  if (!base || !isIPv4(base) || !isIPv4(ip) || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return false;
  const size = 2 ** (32 - prefix);
  return Math.floor(ipv4Number(ip) / size) === Math.floor(ipv4Number(base) / size);
}

/**
 * The first address of the service CIDR: the `kubernetes` Service's ClusterIP, as the
 * apiserver reserves it (10.43.0.1 for 10.43.0.0/16).
 */
export function apiServiceIP(serviceCidr: string): string {
  const base = ipv4Number(serviceCidr.split("/")[0]!) + 1;
  return [24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join(".");
}

/**
 * Checks a network config and returns the problems, each naming its flag; empty when it holds.
 *
 * @example networkProblems({ ...DEFAULT_CLUSTER_NETWORK, clusterDns: "10.44.0.10" })
 * // ["--cluster-dns 10.44.0.10 is outside --service-cidr 10.43.0.0/16"]
 */
export function networkProblems(n: ClusterNetwork): string[] {
  const out: string[] = [];
  const cidr = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/;
  for (const [flag, v] of [["--cluster-cidr", n.clusterCidr], ["--service-cidr", n.serviceCidr]] as const) {
    const m = cidr.exec(v);
    if (!m || !isIPv4(m[1]!) || Number(m[2]) > 32) out.push(`${flag} ${JSON.stringify(v)} is not an IPv4 network (want e.g. 10.42.0.0/16)`);
  }
  if (!isIPv4(n.clusterDns)) out.push(`--cluster-dns ${JSON.stringify(n.clusterDns)} is not an IPv4 address`);
  else if (!out.length && !cidrHolds(n.serviceCidr, n.clusterDns)) out.push(`--cluster-dns ${n.clusterDns} is outside --service-cidr ${n.serviceCidr}`);
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(n.clusterDomain))
    out.push(`--cluster-domain ${JSON.stringify(n.clusterDomain)} is not a DNS domain (want e.g. cluster.local)`);
  if (!FLANNEL_BACKENDS.includes(n.flannelBackend)) out.push(`--flannel-backend ${JSON.stringify(n.flannelBackend)} is not one of ${FLANNEL_BACKENDS.join(", ")}`);
  return out;
}

/** The settings as the server sent them, checked: a server of another version may send less. */
export function clusterNetworkFrom(body: unknown): ClusterNetwork {
  const b = (body && typeof body === "object" ? body : {}) as Partial<Record<keyof ClusterNetwork, unknown>>;
  const str = (v: unknown, d: string) => (typeof v === "string" && v !== "" ? v : d);
  const n: ClusterNetwork = {
    clusterCidr: str(b.clusterCidr, DEFAULT_CLUSTER_NETWORK.clusterCidr),
    serviceCidr: str(b.serviceCidr, DEFAULT_CLUSTER_NETWORK.serviceCidr),
    clusterDns: str(b.clusterDns, DEFAULT_CLUSTER_NETWORK.clusterDns),
    clusterDomain: str(b.clusterDomain, DEFAULT_CLUSTER_NETWORK.clusterDomain),
    flannelBackend: str(b.flannelBackend, DEFAULT_CLUSTER_NETWORK.flannelBackend) as FlannelBackend,
    disable: Array.isArray(b.disable) ? b.disable.filter((d): d is string => typeof d === "string") : [],
  };
  const problems = networkProblems(n);
  if (problems.length) throw new Error(`the server's network settings are not usable: ${problems.join("; ")}`);
  return n;
}

/**
 * ServiceLB's per-node report, on each agent's own Node: a JSON object mapping
 * `namespace/name` of a LoadBalancer Service to the node IPs where all its ports listen. Each
 * node writes only its own Node, so nodes never clobber each other; the server's servicelb
 * controller unions the reports into `status.loadBalancer.ingress`.
 */
export const LB_INGRESS_ANNOTATION = "servicelb.k3rs.io/ingress";

/** Parses a Node's ServiceLB report; a value that is not the expected shape counts as none. */
export function parseLbIngress(value: unknown): Record<string, string[]> {
  if (typeof value !== "string" || value === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return {};
  const out: Record<string, string[]> = {};
  for (const [svc, ips] of Object.entries(parsed)) if (Array.isArray(ips)) out[svc] = ips.filter((ip): ip is string => typeof ip === "string");
  return out;
}

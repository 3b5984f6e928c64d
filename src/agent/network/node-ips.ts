/**
 * The addresses NodePort and LoadBalancer ports answer on: the node's InternalIP and, when it
 * has one, its ExternalIP (kube-proxy's `--nodeport-addresses` default of "the node's IPs").
 */
import { networkInterfaces } from "node:os";
import type { KubeObject } from "../../model/object.ts";

/**
 * InternalIPs first, then ExternalIPs, without repeats; `fallback` when the Node lists none yet.
 * An ExternalIP this machine does not hold (`--node-external-ip` of a box behind NAT) is left
 * out when `held` says so: nothing can listen on it, and its traffic arrives at an internal one.
 */
export function nodeIPsOf(node: KubeObject | undefined, fallback: string[], held?: (ip: string) => boolean): string[] {
  const out: string[] = [];
  for (const type of ["InternalIP", "ExternalIP"])
    for (const a of node?.status?.addresses ?? [])
      if (a?.type === type && typeof a.address === "string" && !out.includes(a.address) && (type === "InternalIP" || !held || held(a.address))) out.push(a.address);
  return out.length ? out : [...fallback];
}

/** Whether an interface of this machine (this network namespace) holds `ip`. */
export function heldHere(ip: string, interfaces = networkInterfaces()): boolean {
  return Object.values(interfaces).some((list) => list?.some((a) => a.address === ip));
}

/**
 * The IPv4 address of `iface` (`--flannel-iface`), which carries VXLAN between nodes. A name
 * that is not an interface here, or one without IPv4, is a configuration error worth stopping for.
 */
export function interfaceIPv4(iface: string, interfaces = networkInterfaces()): string {
  const list = interfaces[iface];
  if (!list) throw new Error(`--flannel-iface ${iface}: no such interface on this node (have: ${Object.keys(interfaces).join(", ")})`);
  const a = list.find((x) => x.family === "IPv4");
  if (!a) throw new Error(`--flannel-iface ${iface}: the interface has no IPv4 address`);
  return a.address;
}

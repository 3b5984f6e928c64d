/**
 * What `status.loadBalancer.ingress` of a served Ingress lists: the InternalIP of every Ready
 * node (ExternalIP where a node has no InternalIP), since every node's agent serves every
 * Ingress on ports 80/443 — K3s's Traefik behind ServiceLB lists the node IPs the same way.
 * Nodes labelled `node.kubernetes.io/exclude-from-external-load-balancers` are left out, as
 * Kubernetes' load balancers do. Computed once, centrally, from the Node objects, so several
 * nodes never overwrite each other's view.
 */
import type { Node } from "../../model/kinds.ts";
import { compareIPs } from "../../model/ip-order.ts";

export const EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";

export interface LoadBalancerIngress {
  ip: string;
}

export function ingressAddresses(nodes: Iterable<Node>): LoadBalancerIngress[] {
  const ips = new Set<string>();
  for (const n of nodes) {
    if (n.metadata.deletionTimestamp || n.metadata.labels?.[EXCLUDE_LABEL] !== undefined) continue;
    const ready = n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
    if (!ready) continue;
    const addrs = n.status?.addresses ?? [];
    const ip = addrs.find((a) => a.type === "InternalIP")?.address ?? addrs.find((a) => a.type === "ExternalIP")?.address;
    if (ip) ips.add(ip);
  }
  return [...ips].sort(compareIPs).map((ip) => ({ ip }));
}

/** The status list already says exactly this (no write needed). */
export function sameIngressList(current: unknown, want: LoadBalancerIngress[]): boolean {
  if (!Array.isArray(current) || current.length !== want.length) return false;
  return current.every((c, i) => c?.ip === want[i]!.ip && c?.hostname === undefined && c?.ports === undefined);
}

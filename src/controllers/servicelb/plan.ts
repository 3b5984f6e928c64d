/**
 * ServiceLB's status, decided from the nodes' reports (K3s servicelb lists the node IPs whose
 * svclb pod is ready; here each agent reports the node IPs where every port of the Service
 * listens, in LB_INGRESS_ANNOTATION on its own Node). Pure, so it is tested with tables.
 */
import type { KubeObject } from "../../model/object.ts";
import { LB_INGRESS_ANNOTATION, parseLbIngress } from "../../model/cluster-network.ts";
import { compareIPs } from "../../model/ip-order.ts";

/** Services ServiceLB answers for: `type: LoadBalancer` without a loadBalancerClass (another controller's then). */
export function isServiceLbService(svc: KubeObject | undefined): boolean {
  return svc?.spec?.type === "LoadBalancer" && !svc.spec?.loadBalancerClass;
}

/**
 * The ingress list for one Service, as K3s's servicelb `podIPs` makes it: the nodes that serve
 * it are those whose report lists it (K3s: whose svclb pod is ready); when any of them has an
 * ExternalIP (`--node-external-ip`), only ExternalIPs are listed — also one not held on the
 * node, whose traffic arrives NAT'd to an internal address — otherwise the IPs the nodes report.
 * Sorted (IPv4 numerically) so the status does not flap with report order. A node being
 * deleted counts no more, as a node whose svclb pod is gone.
 */
export function lbIngress(serviceKey: string, nodes: Iterable<KubeObject>): { ip: string }[] {
  const internal = new Set<string>();
  const external = new Set<string>();
  for (const n of nodes) {
    if (n.metadata.deletionTimestamp) continue;
    const reported = parseLbIngress(n.metadata.annotations?.[LB_INGRESS_ANNOTATION])[serviceKey] ?? [];
    if (!reported.length) continue;
    const externals: string[] = (n.status?.addresses ?? []).filter((a: any) => a?.type === "ExternalIP" && typeof a.address === "string").map((a: any) => a.address);
    for (const ip of externals) external.add(ip);
    for (const ip of reported) if (!externals.includes(ip)) internal.add(ip);
  }
  return [...(external.size ? external : internal)].sort(compareIPs).map((ip) => ({ ip }));
}

/** Whether the Service's status already says `ingress` (only the IPs ServiceLB writes are compared). */
export function ingressMatches(svc: KubeObject, ingress: { ip: string }[]): boolean {
  const have: { ip?: string; hostname?: string }[] = svc.status?.loadBalancer?.ingress ?? [];
  return have.length === ingress.length && have.every((h, i) => h.ip === ingress[i]!.ip && !h.hostname);
}

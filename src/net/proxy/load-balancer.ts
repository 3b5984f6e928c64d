/**
 * A LoadBalancer Service on this node, the way K3s's ServiceLB does it: the Service's ports
 * answer on the node's IPs, and the node counts as an ingress for the Service only where it
 * could take every port (ServiceLB's svclb pod cannot start on a node where one host port is
 * taken, which leaves the node out of `status.loadBalancer.ingress`). The result is data: the
 * agent turns it into the Service's status and an Event naming what was taken.
 */
import type { LoadBalancerView } from "./service-table.ts";
import type { Protocol } from "./types.ts";

export interface LoadBalancerPort {
  ip: string;
  port: number;
  protocol: Protocol;
}

export interface LoadBalancerFailure extends LoadBalancerPort {
  /** "address already in use", or "port held by Service ns/name" */
  reason: string;
}

export interface LoadBalancerStatus {
  /** `namespace/name` */
  service: string;
  node: string;
  /** node IPs on which every port of the Service listens: this node's `status.loadBalancer.ingress` entries */
  ingress: string[];
  bound: LoadBalancerPort[];
  failed: LoadBalancerFailure[];
  /** externalTrafficPolicy is Local */
  externalTrafficLocal: boolean;
  /** with `Local`, whether this node has an endpoint to send the traffic to */
  hasLocalEndpoints: boolean;
  /** one line for an Event when `failed` is not empty, e.g. `port 8443/TCP on 10.0.0.5: address already in use` */
  message?: string;
}

export function loadBalancerStatus(
  v: LoadBalancerView,
  node: string,
  nodeIPs: readonly string[],
  listeners: ReadonlyMap<string, unknown>,
  bindErrors: ReadonlyMap<string, string>,
): LoadBalancerStatus {
  const bound: LoadBalancerPort[] = [];
  const failed: LoadBalancerFailure[] = [];
  for (const f of v.frontends) {
    const p = { ip: f.ip, port: f.port, protocol: f.protocol };
    if (listeners.has(f.key)) bound.push(p);
    else failed.push({ ...p, reason: bindErrors.get(f.key) ?? "not listening yet" });
  }
  for (const b of v.blocked) {
    const m = /^(TCP|UDP)\/\[?([^\]]+?)\]?:(\d+)$/.exec(b.key);
    if (m) failed.push({ ip: m[2]!, port: Number(m[3]), protocol: m[1] as Protocol, reason: `port held by Service ${b.heldBy}` });
  }
  const sort = <T extends LoadBalancerPort>(a: T[]) => a.sort((x, y) => x.ip.localeCompare(y.ip) || x.port - y.port || x.protocol.localeCompare(y.protocol));
  sort(bound);
  sort(failed);
  const badIPs = new Set(failed.map((f) => f.ip));
  const ingress = nodeIPs.filter((ip) => !badIPs.has(ip) && bound.some((b) => b.ip === ip));
  const status: LoadBalancerStatus = {
    service: v.service,
    node,
    ingress,
    bound,
    failed,
    externalTrafficLocal: v.externalTrafficLocal,
    hasLocalEndpoints: v.hasLocalEndpoints,
  };
  if (failed.length > 0) status.message = failed.map((f) => `port ${f.port}/${f.protocol} on ${f.ip}: ${f.reason}`).join("; ");
  return status;
}

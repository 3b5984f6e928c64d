/**
 * What a selector Service's Endpoints hold (kubernetes `pkg/controller/endpoint`
 * `syncService` + `pkg/api/v1/endpoints` `RepackSubsets`): one address per serving pod, in
 * `addresses` when ready (or when the service publishes not-ready addresses) and in
 * `notReadyAddresses` otherwise, grouped into subsets of addresses that share the same ports.
 * Pure, so the order is fixed: an unchanged cluster gives a deep-equal result and no write.
 */
import type { Pod, Service, ServicePort } from "../../model/kinds.ts";
import { isPodReady } from "../framework/pod-util.ts";
import { endpointHostname, findPort, HEADLESS_LABEL, isHeadless, podIP, shouldPodBeInEndpoints } from "../framework/endpoint-util.ts";
import { compareIPs } from "../../model/ip-order.ts";

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: "Pod"; namespace: string; name: string; uid: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** The subsets for `svc` from the pods its selector matches (the caller filters by selector). */
export function endpointSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  // publishNotReadyAddresses also keeps terminating pods, as Kubernetes does.
  const tolerateUnready = svc.spec?.publishNotReadyAddresses === true;
  const servicePorts: ServicePort[] = svc.spec?.ports ?? [];
  const byAddress = new Map<string, { address: EndpointAddress; ready: boolean; ports: EndpointPort[] }>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const address = endpointAddress(pod, svc);
    const ports: EndpointPort[] = [];
    for (const sp of servicePorts) {
      const port = findPort(pod, sp);
      if (port !== undefined) ports.push(endpointPort(sp, port));
    }
    // A pod serving none of the service's ports is no endpoint; a headless service without
    // ports lists its pods' addresses alone (DNS records).
    if (ports.length === 0 && !(servicePorts.length === 0 && isHeadless(svc))) continue;
    const ready = tolerateUnready || isPodReady(pod);
    byAddress.set(`${address.ip}/${address.targetRef.uid}`, { address, ready, ports: sortPorts(ports) });
  }
  return repack([...byAddress.values()]);
}

/** Service labels, plus the headless marker for a headless service. */
export function endpointsLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = "";
  else delete labels[HEADLESS_LABEL];
  return labels;
}

function endpointAddress(pod: Pod, svc: Service): EndpointAddress {
  const hostname = endpointHostname(pod, svc);
  return {
    ip: podIP(pod)!,
    ...(hostname ? { hostname } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: "Pod", namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! },
  };
}

function endpointPort(sp: ServicePort, port: number): EndpointPort {
  return {
    ...(sp.name ? { name: sp.name } : {}),
    port,
    protocol: sp.protocol ?? "TCP",
    ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
  };
}

/** Addresses with the same set of ports share a subset. */
function repack(entries: { address: EndpointAddress; ready: boolean; ports: EndpointPort[] }[]): EndpointSubset[] {
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const e of entries) {
    const key = JSON.stringify(e.ports);
    const g = groups.get(key) ?? groups.set(key, { ports: e.ports, ready: [], notReady: [] }).get(key)!;
    (e.ready ? g.ready : g.notReady).push(e.address);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([, g]) => ({
      ...(g.ready.length ? { addresses: sortAddresses(g.ready) } : {}),
      ...(g.notReady.length ? { notReadyAddresses: sortAddresses(g.notReady) } : {}),
      ...(g.ports.length ? { ports: g.ports } : {}),
    }));
}

function sortAddresses(a: EndpointAddress[]): EndpointAddress[] {
  return a.sort((x, y) => compareIPs(x.ip, y.ip) || cmp(x.targetRef.uid, y.targetRef.uid));
}

function sortPorts(p: EndpointPort[]): EndpointPort[] {
  return p.sort((x, y) => cmp(x.name ?? "", y.name ?? "") || x.port - y.port || cmp(x.protocol, y.protocol));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

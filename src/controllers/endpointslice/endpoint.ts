/**
 * One pod as an EndpointSlice endpoint, and the slice-level fields a Service dictates
 * (kubernetes `pkg/controller/endpointslice` `podToEndpoint`, `getEndpointPorts`,
 * `setEndpointSliceLabels`). Pure.
 */
import type { KubeObject, OwnerReference } from "../../model/object.ts";
import type { Pod, Service } from "../../model/kinds.ts";
import { isPodReady } from "../framework/pod-util.ts";
import { endpointHostname, findPort, HEADLESS_LABEL, isHeadless, podIPv4 } from "../framework/endpoint-util.ts";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const CONTROLLER_NAME = "endpointslice-controller.k8s.io";

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: "Pod"; namespace: string; name: string; uid: string };
}

export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/**
 * The endpoint for a pod, or undefined when it has no IPv4 address. Terminating pods stay
 * listed (terminating: true, ready: false) so proxies can drain them; serving is the pod's
 * readiness whatever its deletion; publishNotReadyAddresses makes every listed pod ready.
 */
export function podToEndpoint(pod: Pod, svc: Service): SliceEndpoint | undefined {
  const ip = podIPv4(pod);
  if (!ip) return undefined;
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const hostname = endpointHostname(pod, svc);
  return {
    addresses: [ip],
    conditions: { ready: svc.spec?.publishNotReadyAddresses === true || (serving && !terminating), serving, terminating },
    ...(hostname ? { hostname } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: "Pod", namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! },
  };
}

/** The service's ports as this pod serves them, in service order; unresolvable ones are left out. */
export function endpointPorts(svc: Service, pod: Pod): SlicePort[] {
  const out: SlicePort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? "", port, protocol: sp.protocol ?? "TCP", ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out;
}

/** The service's own labels (reserved keys dropped), the headless marker, service name and manager. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) {
    if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL && k !== HEADLESS_LABEL) labels[k] = v;
  }
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = "";
  labels[SERVICE_NAME_LABEL] = svc.metadata.name!;
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return labels;
}

export function serviceOwnerRef(svc: Service): OwnerReference {
  return { apiVersion: "v1", kind: "Service", name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** Slices this controller keeps for a service (another manager's slices are not ours to touch). */
export function isManagedSliceOf(slice: KubeObject, serviceName: string): boolean {
  const l = slice.metadata.labels;
  return l?.[SERVICE_NAME_LABEL] === serviceName && l?.[MANAGED_BY_LABEL] === CONTROLLER_NAME;
}

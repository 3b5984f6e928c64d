/**
 * Service ↔ pod facts the Endpoints and EndpointSlice controllers share (kubernetes
 * `pkg/controller/util/endpoint` and `staging/.../endpointslice/util`): which services get
 * endpoints from a controller, which pods back them, and which port a pod serves a service
 * port on.
 */
import type { Pod, Service, ServicePort } from "../../model/kinds.ts";
import { keyOf } from "../../client/object-key.ts";
import type { SharedInformer } from "./informer-factory.ts";

/**
 * The service's selector when a controller owns its endpoints; undefined otherwise. Services
 * without a selector have endpoints written by someone else (the user, or the bootstrap for
 * `default/kubernetes`); ExternalName services have none (kubernetes/kubernetes#105986). An
 * empty selector counts as none: the API stores it as absent, as Kubernetes' protobuf does.
 */
export function managedSelector(svc: Service): Record<string, string> | undefined {
  if (svc.spec?.type === "ExternalName") return undefined;
  const sel = svc.spec?.selector;
  if (!sel || typeof sel !== "object" || Object.keys(sel).length === 0) return undefined;
  return sel;
}

/** A service selector is a plain map: every key must be present with the same value. */
export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

/**
 * ShouldPodBeInEndpoints: finished pods and pods without an IP never are; pods being deleted
 * only when the caller includes terminating ones.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  if (!podIP(pod)) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** The pod's primary IP (status.podIP, else the first of status.podIPs). */
export function podIP(pod: Pod): string | undefined {
  return pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || undefined;
}

/** The pod's first IPv4 address, for IPv4 EndpointSlices. */
export function podIPv4(pod: Pod): string | undefined {
  const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p?.ip)].filter((ip): ip is string => Boolean(ip));
  return ips.find((ip) => !ip.includes(":"));
}

/**
 * FindPort: a numeric targetPort is used as is; a named one is looked up among the pod's
 * container ports with the same protocol (sidecar init containers included, as in 1.29+).
 * Undefined when the pod has no such port: it then serves nothing on that service port.
 */
export function findPort(pod: Pod, servicePort: ServicePort | undefined): number | undefined {
  const target = servicePort?.targetPort ?? servicePort?.port;
  if (typeof target === "number") return target;
  if (typeof target !== "string" || target === "") return undefined;
  const protocol = servicePort?.protocol ?? "TCP";
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c?.restartPolicy === "Always");
  for (const c of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const p of c?.ports ?? []) if (p?.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
  }
  return undefined;
}

/** ShouldSetHostname: a pod with a hostname whose subdomain is this service's name. */
export function endpointHostname(pod: Pod, svc: Service): string | undefined {
  const hostname = pod.spec?.hostname;
  if (!hostname || pod.spec?.subdomain !== svc.metadata.name || pod.metadata.namespace !== svc.metadata.namespace) return undefined;
  return hostname;
}

/** The pod fields endpoints are made of: a pod change elsewhere (container status, …) is not worth a sync. */
export function endpointRelevantPodState(pod: Pod): string {
  const ready = (pod.status?.conditions ?? []).find((c) => c?.type === "Ready")?.status;
  return JSON.stringify([
    pod.metadata.labels ?? {}, pod.metadata.deletionTimestamp, pod.status?.phase, pod.status?.podIP, pod.status?.podIPs, ready,
    pod.spec?.nodeName, pod.spec?.hostname, pod.spec?.subdomain,
  ]);
}

/** Headless: no cluster IP. Its endpoints carry the `service.kubernetes.io/headless` label. */
export function isHeadless(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return ip === "None" || ip === "" || ip === undefined;
}

export const HEADLESS_LABEL = "service.kubernetes.io/headless";

/**
 * Queues a Service whenever it changes and whenever a pod it selects changes in a way that
 * matters to its endpoints (address, readiness, ports, labels) — the shared wiring of the
 * Endpoints and EndpointSlice controllers.
 */
export function queueServicesOnPodChanges(services: SharedInformer, pods: SharedInformer, queue: { add(key: string): void }): void {
  services.addHandler({ onChange: (s) => queue.add(keyOf(s)), onDelete: (s) => queue.add(keyOf(s)) });
  const podTouches = (pod: Pod, inNamespace = services.list(pod.metadata.namespace)) => {
    for (const svc of inNamespace) {
      const sel = managedSelector(svc);
      if (sel && selectorMatches(sel, pod.metadata.labels)) queue.add(keyOf(svc));
    }
  };
  pods.addHandler({
    onChange: (pod, old) => {
      // Most namespaces of a busy cluster have pods and no Service: nothing to compare for.
      const inNamespace = services.list(pod.metadata.namespace);
      if (inNamespace.length === 0) return;
      if (old && endpointRelevantPodState(old) === endpointRelevantPodState(pod)) return;
      podTouches(pod, inNamespace);
      // Relabelled pods leave the services that selected them before (a pod keeps its namespace).
      if (old) podTouches(old, inNamespace);
    },
    onDelete: (pod) => podTouches(pod),
  });
}

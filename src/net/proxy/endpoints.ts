/**
 * EndpointSlices to the targets of one Service port, the way kube-proxy chooses them
 * (pkg/proxy/topology.go `CategorizeEndpoints`): ready endpoints take traffic; when a port has
 * none, endpoints that are still serving while terminating do, so a rolling update of the last
 * pod does not drop connections; a `Local` traffic policy keeps only this node's endpoints and
 * never falls back to other nodes (traffic is dropped instead, as Kubernetes documents).
 */
import type { DiscoveryV1EndpointPort, V1Endpoint } from "@kubernetes/client-node";
import type { KubeObject } from "../../model/object.ts";
import type { Protocol, Target } from "./types.ts";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

export interface SliceEndpoint {
  ip: string;
  nodeName?: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

export interface SlicePort {
  name: string;
  port: number;
  protocol: Protocol | string;
}

/** The part of an EndpointSlice the proxy needs, parsed once when the slice arrives. */
export interface ParsedSlice {
  family: 4 | 6;
  ports: SlicePort[];
  endpoints: SliceEndpoint[];
}

/** `undefined` for slices the proxy cannot use (FQDN slices, no owning Service label). */
export function parseSlice(slice: KubeObject): ParsedSlice | undefined {
  const type = slice.addressType ?? "IPv4";
  if (type !== "IPv4" && type !== "IPv6") return undefined;
  const ports: SlicePort[] = [];
  // Read defensively: a malformed object must not stop the node's proxy.
  const list = <T>(x: unknown): T[] => (Array.isArray(x) ? x : []);
  for (const p of list<DiscoveryV1EndpointPort>(slice.ports)) {
    // A slice port without a number means "all ports" and only matters to headless Services.
    if (typeof p?.port !== "number") continue;
    ports.push({ name: p.name ?? "", port: p.port, protocol: p.protocol ?? "TCP" });
  }
  const endpoints: SliceEndpoint[] = [];
  for (const e of list<V1Endpoint>(slice.endpoints)) {
    const c = e?.conditions ?? {};
    // API semantics: a missing `ready` means ready; `serving` defaults to `ready`.
    const ready = c.ready ?? true;
    const serving = c.serving ?? ready;
    const terminating = c.terminating ?? false;
    for (const ip of list<unknown>(e?.addresses)) {
      if (typeof ip !== "string") continue;
      endpoints.push({ ip, nodeName: e.nodeName, ready: ready === true, serving: serving === true, terminating: terminating === true });
    }
  }
  return { family: type === "IPv6" ? 6 : 4, ports, endpoints };
}

export interface PortEndpoints {
  /** what traffic with policy `Cluster` goes to */
  cluster: Target[];
  /** what traffic with policy `Local` goes to (this node's endpoints only) */
  local: Target[];
}

/**
 * The targets of the Service port named `portName` (`""` when unnamed) over all of the
 * Service's slices. The endpoint port comes from the slice's port of the same name, which is
 * how a named `targetPort` reaches each pod's own container port number.
 */
export function portEndpoints(slices: Iterable<ParsedSlice>, portName: string, protocol: Protocol, nodeName: string | undefined): PortEndpoints {
  const seen = new Set<string>();
  const ready: Target[] = [];
  const servingTerminating: Target[] = [];
  const localReady: Target[] = [];
  const localServingTerminating: Target[] = [];
  for (const s of slices) {
    for (const p of s.ports) {
      if (p.name !== portName || p.protocol !== protocol) continue;
      for (const e of s.endpoints) {
        const key = e.ip.includes(":") ? `[${e.ip}]:${p.port}` : `${e.ip}:${p.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const t: Target = { ip: e.ip, port: p.port, key, nodeName: e.nodeName };
        const local = nodeName !== undefined && e.nodeName === nodeName;
        if (e.ready) {
          ready.push(t);
          if (local) localReady.push(t);
        } else if (e.serving && e.terminating) {
          servingTerminating.push(t);
          if (local) localServingTerminating.push(t);
        }
      }
    }
  }
  return {
    cluster: ready.length > 0 ? ready : servingTerminating,
    local: localReady.length > 0 ? localReady : localServingTerminating,
  };
}

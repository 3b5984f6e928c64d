/** Builders of Services and EndpointSlices for the proxy's tests. */
import type { KubeObject } from "../../../model/object.ts";

export interface EndpointSpec {
  ip: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export function service(name: string, spec: Record<string, unknown>, namespace = "default"): KubeObject {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec: { type: "ClusterIP", ...spec } };
}

export function slice(name: string, svc: string, ports: { name?: string; port: number; protocol?: string }[], endpoints: EndpointSpec[], namespace = "default"): KubeObject {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name, namespace, labels: { "kubernetes.io/service-name": svc } },
    addressType: endpoints[0]?.ip.includes(":") ? "IPv6" : "IPv4",
    ports: ports.map((p) => ({ name: p.name ?? "", port: p.port, protocol: p.protocol ?? "TCP" })),
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      nodeName: e.node,
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
    })),
  };
}

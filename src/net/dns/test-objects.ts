/** Builders for the objects the cluster DNS consumes, shared by its unit and integration tests. */
import type { KubeObject } from "../../model/object.ts";

export function service(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns, uid: `uid-${ns}-${name}` }, spec };
}

export interface EndpointSpec {
  ip: string;
  ready?: boolean;
  hostname?: string;
}

export function slice(ns: string, name: string, svcName: string, endpoints: EndpointSpec[], ports: { name?: string; port: number; protocol?: string }[] = []): KubeObject {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name, namespace: ns, labels: { "kubernetes.io/service-name": svcName } },
    addressType: endpoints.some((e) => e.ip.includes(":")) ? "IPv6" : "IPv4",
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: false },
      ...(e.hostname ? { hostname: e.hostname } : {}),
    })),
    ports: ports.map((p) => ({ name: p.name ?? "", port: p.port, protocol: p.protocol ?? "TCP" })),
  };
}

export function pod(ns: string, name: string, ip?: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, uid: `uid-${ns}-${name}` },
    spec: { containers: [{ name: "c", image: "busybox" }], ...extra },
    status: ip ? { phase: "Running", podIP: ip, podIPs: [{ ip }] } : { phase: "Pending" },
  };
}

export function node(name: string, ip: string): KubeObject {
  return { apiVersion: "v1", kind: "Node", metadata: { name }, status: { addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: name }] } };
}

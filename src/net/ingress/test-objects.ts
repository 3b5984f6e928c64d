/** Builders for the ingress tests: Ingresses, Services, EndpointSlices, Secrets and classes. */
import type { KubeObject } from "../../model/object.ts";

export interface PathSpec {
  path: string;
  type?: "Exact" | "Prefix" | "ImplementationSpecific";
  service: string;
  port?: number | string;
}

export function ingress(
  name: string,
  o: { ns?: string; host?: string; paths?: PathSpec[]; rules?: { host?: string; paths: PathSpec[] }[]; defaultBackend?: { service: string; port: number | string }; className?: string; tls?: { hosts?: string[]; secretName: string }[]; created?: string } = {},
): KubeObject {
  const toPath = (p: PathSpec) => ({ path: p.path, pathType: p.type ?? "Prefix", backend: { service: { name: p.service, port: portRef(p.port ?? 80) } } });
  const rules = o.rules ?? (o.paths ? [{ host: o.host, paths: o.paths }] : []);
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: o.ns ?? "default", creationTimestamp: o.created ?? "2026-01-01T00:00:00Z" },
    spec: {
      ...(o.className ? { ingressClassName: o.className } : {}),
      ...(o.defaultBackend ? { defaultBackend: { service: { name: o.defaultBackend.service, port: portRef(o.defaultBackend.port) } } } : {}),
      ...(o.tls ? { tls: o.tls } : {}),
      rules: rules.map((r) => ({ ...(r.host ? { host: r.host } : {}), http: { paths: r.paths.map(toPath) } })),
    },
  };
}

function portRef(p: number | string) {
  return typeof p === "number" ? { number: p } : { name: p };
}

export function service(name: string, ports: { name?: string; port: number; targetPort?: number | string }[], ns = "default"): KubeObject {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns }, spec: { type: "ClusterIP", ports: ports.map((p) => ({ protocol: "TCP", ...p })) } };
}

export function slice(service: string, ports: { name?: string; port: number }[], endpoints: { ip: string; ready?: boolean }[], o: { ns?: string; name?: string } = {}): KubeObject {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: o.name ?? `${service}-abc`, namespace: o.ns ?? "default", labels: { "kubernetes.io/service-name": service } },
    addressType: "IPv4",
    ports: ports.map((p) => ({ name: p.name ?? "", port: p.port, protocol: "TCP" })),
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true } })),
  };
}

export function tlsSecret(name: string, certPem: string, keyPem: string, ns = "default"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: ns },
    type: "kubernetes.io/tls",
    data: { "tls.crt": Buffer.from(certPem).toString("base64"), "tls.key": Buffer.from(keyPem).toString("base64") },
  };
}

export function ingressClass(name: string, controller: string, isDefault = false): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "IngressClass",
    metadata: { name, ...(isDefault ? { annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } } : {}) },
    spec: { controller },
  };
}

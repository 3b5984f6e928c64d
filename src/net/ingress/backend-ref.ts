/** An Ingress backend object (`{ service: { name, port: { number | name } } }`) as a BackendRef. */
import type { BackendRef } from "./types.ts";

export function backendRef(namespace: string, backend: unknown): BackendRef | undefined {
  const svc = (backend as { service?: { name?: unknown; port?: { number?: unknown; name?: unknown } } } | undefined)?.service;
  if (!svc || typeof svc.name !== "string" || svc.name === "") return undefined;
  const port = typeof svc.port?.number === "number" ? svc.port.number : typeof svc.port?.name === "string" && svc.port.name !== "" ? svc.port.name : undefined;
  if (port === undefined) return undefined;
  return { namespace, service: svc.name, port };
}

export function serviceKey(ref: BackendRef): string {
  return `${ref.namespace}/${ref.service}`;
}

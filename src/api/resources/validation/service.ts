/** Service validation (ports, type, selectors); IP allocation happens in admission. */
import type { KubeObject } from "../../../model/object.ts";
import type { StatusCause } from "../../../model/errors.ts";
import { duplicate, immutable, invalid, notSupported, required } from "./causes.ts";

const TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

export function validateService(obj: KubeObject, old?: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const s = obj.spec ?? {};
  if (!TYPES.includes(s.type)) out.push(notSupported("spec.type", s.type, TYPES));
  if (s.type === "ExternalName") {
    if (!s.externalName) out.push(required("spec.externalName"));
    return out;
  }
  const ports = Array.isArray(s.ports) ? s.ports : [];
  const headless = s.clusterIP === "None";
  if (ports.length === 0 && !headless) out.push(required("spec.ports"));
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((p: any, i: number) => {
    const pp = `spec.ports[${i}]`;
    if (ports.length > 1 && !p?.name) out.push(required(`${pp}.name`));
    if (p?.name) {
      if (names.has(p.name)) out.push(duplicate(`${pp}.name`, p.name));
      names.add(p.name);
    }
    if (!Number.isInteger(p?.port) || p.port < 1 || p.port > 65535) out.push(invalid(`${pp}.port`, p?.port, "must be between 1 and 65535, inclusive"));
    if (!["TCP", "UDP", "SCTP"].includes(p?.protocol)) out.push(notSupported(`${pp}.protocol`, p?.protocol, ["SCTP", "TCP", "UDP"]));
    const key = `${p?.port}/${p?.protocol}`;
    if (seen.has(key)) out.push(duplicate(pp, { port: p?.port, protocol: p?.protocol }));
    seen.add(key);
    if (p?.nodePort !== undefined && (s.type === "ClusterIP")) out.push(invalid(`${pp}.nodePort`, p.nodePort, "may not be used when `type` is 'ClusterIP'"));
    if (p?.nodePort !== undefined && (!Number.isInteger(p.nodePort) || p.nodePort < 30000 || p.nodePort > 32767)) {
      out.push(invalid(`${pp}.nodePort`, p.nodePort, "provided port is not in the valid range. The range of valid ports is 30000-32767"));
    }
  });
  if (old && old.spec?.clusterIP && old.spec.clusterIP !== "" && s.clusterIP !== undefined && s.clusterIP !== old.spec.clusterIP && old.spec.type !== "ExternalName") {
    out.push(immutable("spec.clusterIP", s.clusterIP));
  }
  return out;
}

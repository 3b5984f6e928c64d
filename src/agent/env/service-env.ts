/**
 * The Service environment variables the kubelet gives every container (`kubelet_pods.go`
 * getServiceEnvVarMap and `envvars.FromServices`): `<NAME>_SERVICE_HOST`/`_SERVICE_PORT`
 * (`_SERVICE_PORT_<PORTNAME>`) and the Docker-links form `<NAME>_PORT_<port>_<PROTO>…`, for the
 * pod's namespace's Services with a ClusterIP (unless `enableServiceLinks: false`) and, always,
 * for the `kubernetes` Service of the default namespace — what in-cluster clients
 * (client-go's InClusterConfig) read to find the API.
 */
import type { KubeObject } from "../../model/object.ts";

/** Services the kubelet always exposes, from the default namespace (its "master services"). */
const MASTER_SERVICES = new Set(["kubernetes"]);

const envName = (s: string) => s.replaceAll("-", "_").toUpperCase();

function hasClusterIP(svc: KubeObject): boolean {
  const ip = svc.spec?.clusterIP;
  return typeof ip === "string" && ip !== "" && ip !== "None";
}

/**
 * The Services whose variables a pod of `namespace` gets, by name: its own namespace's (when
 * links are enabled) win over the default namespace's master services of the same name.
 */
export function servicesForPod(namespace: string, enableServiceLinks: boolean, own: KubeObject[], defaults: KubeObject[]): KubeObject[] {
  const byName = new Map<string, KubeObject>();
  for (const svc of defaults) if (MASTER_SERVICES.has(svc.metadata.name!) && hasClusterIP(svc)) byName.set(svc.metadata.name!, svc);
  if (enableServiceLinks || namespace === "default") {
    for (const svc of own) {
      if (!hasClusterIP(svc)) continue;
      if (namespace === "default" && !enableServiceLinks && !MASTER_SERVICES.has(svc.metadata.name!)) continue;
      byName.set(svc.metadata.name!, svc);
    }
  }
  return [...byName.values()];
}

/** The variables of these Services, sorted by name (the kubelet's come from a map: no order). */
export function serviceEnv(services: KubeObject[]): { name: string; value: string }[] {
  const out = new Map<string, string>();
  for (const svc of services) {
    const name = envName(svc.metadata.name!);
    const ip: string = svc.spec.clusterIP;
    const ports: any[] = svc.spec?.ports ?? [];
    if (ports.length === 0) continue;
    out.set(`${name}_SERVICE_HOST`, ip);
    out.set(`${name}_SERVICE_PORT`, String(ports[0].port));
    for (const p of ports) if (p.name) out.set(`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    const proto = (p: any) => String(p.protocol ?? "TCP").toLowerCase();
    // Docker links, as the kubelet still writes them.
    out.set(`${name}_PORT`, `${proto(ports[0])}://${ip}:${ports[0].port}`);
    for (const p of ports) {
      const prefix = `${name}_PORT_${p.port}_${String(p.protocol ?? "TCP").toUpperCase()}`;
      out.set(prefix, `${proto(p)}://${ip}:${p.port}`);
      out.set(`${prefix}_PROTO`, proto(p));
      out.set(`${prefix}_PORT`, String(p.port));
      out.set(`${prefix}_ADDR`, ip);
    }
  }
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, value]) => ({ name: n, value }));
}

/**
 * The objects `create <kind>`, `run` and `expose` make, field for field as kubectl's generators
 * make them (so `--dry-run=client -o yaml` prints the same), as pure functions of the flags.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";

/** kubectl names a container after its image: the last path segment, without tag or digest. */
export function containerNameFor(image: string): string {
  const noDigest = image.split("@")[0]!;
  const last = noDigest.slice(noDigest.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  return colon < 0 ? last : last.slice(0, colon);
}

export function namespaceObject(name: string): object {
  return { apiVersion: "v1", kind: "Namespace", metadata: { creationTimestamp: null, name }, spec: {}, status: {} };
}

/** `--from-literal k=v`, `--from-file [key=]path` (a directory adds each regular file), `--from-env-file path`. */
export function dataFrom(o: { fromLiteral?: string[]; fromFile?: string[]; fromEnvFile?: string[] }): Record<string, Buffer> {
  const data: Record<string, Buffer> = {};
  const put = (k: string, v: Buffer) => {
    if (k in data) throw new Error(`cannot add key ${k}, another key by that name already exists in Data for ConfigMap "${k}"`);
    data[k] = v;
  };
  for (const l of o.fromLiteral ?? []) {
    const eq = l.indexOf("=");
    if (eq <= 0) throw new Error(`invalid literal source ${l}, expected key=value`);
    put(l.slice(0, eq), Buffer.from(l.slice(eq + 1)));
  }
  for (const f of o.fromFile ?? []) {
    const eq = f.indexOf("=");
    const key = eq > 0 ? f.slice(0, eq) : undefined;
    const path = eq > 0 ? f.slice(eq + 1) : f;
    let st;
    try {
      st = statSync(path);
    } catch {
      throw new Error(`error reading ${path}: no such file or directory`);
    }
    if (st.isDirectory()) {
      if (key) throw new Error(`cannot give a key name for a directory path`);
      for (const n of readdirSync(path).sort()) if (statSync(join(path, n)).isFile()) put(n, readFileSync(join(path, n)));
    } else put(key ?? basename(path), readFileSync(path));
  }
  for (const f of o.fromEnvFile ?? []) {
    for (const line of readFileSync(f, "utf8").split("\n")) {
      const t = line.replace(/^\s+/, "");
      if (!t || t.startsWith("#")) continue;
      const eq = t.indexOf("=");
      if (eq < 0) put(t, Buffer.from(process.env[t] ?? ""));
      else put(t.slice(0, eq), Buffer.from(t.slice(eq + 1)));
    }
  }
  return data;
}

const isUtf8 = (b: Buffer) => Buffer.from(b.toString("utf8"), "utf8").equals(b);

export function configMapObject(name: string, data: Record<string, Buffer>): object {
  const text: Record<string, string> = {};
  const binary: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) (isUtf8(v) ? (text[k] = v.toString("utf8")) : (binary[k] = v.toString("base64")));
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { creationTimestamp: null, name }, ...(Object.keys(text).length ? { data: text } : {}), ...(Object.keys(binary).length ? { binaryData: binary } : {}) };
}

export function secretObject(name: string, data: Record<string, Buffer>, type?: string): object {
  return { apiVersion: "v1", kind: "Secret", metadata: { creationTimestamp: null, name }, ...(Object.keys(data).length ? { data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString("base64")])) } : {}), ...(type ? { type } : {}) };
}

export function tlsSecretObject(name: string, cert: Buffer, key: Buffer): object {
  return { apiVersion: "v1", kind: "Secret", metadata: { creationTimestamp: null, name }, data: { "tls.crt": cert.toString("base64"), "tls.key": key.toString("base64") }, type: "kubernetes.io/tls" };
}

export function deploymentObject(name: string, o: { images: string[]; replicas?: number; port?: number; command?: string[] }): object {
  const labels = { app: name };
  const containers = o.images.map((image, i) => ({
    ...(i === 0 && o.command?.length ? { command: o.command } : {}),
    image,
    name: containerNameFor(image),
    ...(i === 0 && o.port !== undefined && o.port >= 0 ? { ports: [{ containerPort: o.port }] } : {}),
    resources: {},
  }));
  return {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { creationTimestamp: null, labels, name },
    spec: { replicas: o.replicas ?? 1, selector: { matchLabels: labels }, strategy: {}, template: { metadata: { creationTimestamp: null, labels }, spec: { containers } } },
    status: {},
  };
}

export function jobObject(name: string, o: { image: string; command?: string[] }): object {
  return {
    apiVersion: "batch/v1", kind: "Job", metadata: { creationTimestamp: null, name },
    spec: { template: { metadata: { creationTimestamp: null }, spec: { containers: [{ ...(o.command?.length ? { command: o.command } : {}), image: o.image, name, resources: {} }], restartPolicy: "Never" } } },
    status: {},
  };
}

/** A Job from a CronJob's template, as `create job --from=cronjob/x` makes it (and the CronJob controller would). */
export function jobFromCronJob(name: string, cj: any): object {
  const t = cj.spec?.jobTemplate ?? {};
  return {
    apiVersion: "batch/v1", kind: "Job",
    metadata: {
      name, creationTimestamp: null,
      annotations: { "cronjob.kubernetes.io/instantiate": "manual", ...(t.metadata?.annotations ?? {}) },
      ...(t.metadata?.labels ? { labels: t.metadata.labels } : {}),
      ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: cj.metadata.name, uid: cj.metadata.uid, controller: true }],
    },
    spec: t.spec ?? {},
    status: {},
  };
}

export function cronJobObject(name: string, o: { image: string; schedule: string; restart?: string; command?: string[] }): object {
  return {
    apiVersion: "batch/v1", kind: "CronJob", metadata: { creationTimestamp: null, name },
    spec: {
      jobTemplate: { metadata: { creationTimestamp: null, name }, spec: { template: { metadata: { creationTimestamp: null }, spec: { containers: [{ ...(o.command?.length ? { command: o.command } : {}), image: o.image, name, resources: {} }], restartPolicy: o.restart ?? "OnFailure" } } } },
      schedule: o.schedule,
    },
    status: {},
  };
}

export interface RunFlags {
  image: string;
  labels?: string;
  env?: string[];
  port?: number;
  restart?: string;
  command?: boolean;
  args?: string[];
  imagePullPolicy?: string;
}

export function podObject(name: string, o: RunFlags): object {
  const labels = o.labels ? Object.fromEntries(o.labels.split(",").map((kv) => kv.split("=") as [string, string])) : { run: name };
  const container: Record<string, unknown> = {
    ...(o.args?.length ? { [o.command ? "command" : "args"]: o.args } : {}),
    ...(o.env?.length ? { env: o.env.map((e) => ({ name: e.slice(0, e.indexOf("=")), value: e.slice(e.indexOf("=") + 1) })) } : {}),
    image: o.image,
    ...(o.imagePullPolicy ? { imagePullPolicy: o.imagePullPolicy } : {}),
    name,
    ...(o.port !== undefined && o.port >= 0 ? { ports: [{ containerPort: o.port }] } : {}),
    resources: {},
  };
  return {
    apiVersion: "v1", kind: "Pod", metadata: { creationTimestamp: null, labels, name },
    spec: { containers: [container], dnsPolicy: "ClusterFirst", restartPolicy: o.restart ?? "Always" },
    status: {},
  };
}

export interface ExposeFlags {
  port?: string;
  targetPort?: string;
  protocol?: string;
  type?: string;
  name?: string;
  selector?: string;
  clusterIp?: string;
  externalIp?: string;
  labels?: string;
}

/** The Service `expose` makes for `obj`: its selector and (unless given) its container ports. */
export function serviceFor(obj: any, o: ExposeFlags): object {
  const selector = o.selector
    ? Object.fromEntries(o.selector.split(",").map((kv) => kv.split("=") as [string, string]))
    : obj.kind === "Service"
      ? obj.spec?.selector
      : obj.kind === "Pod"
        ? obj.metadata?.labels
        : obj.spec?.selector?.matchLabels ?? obj.spec?.selector;
  if (!selector || !Object.keys(selector).length) throw new Error(`couldn't retrieve selectors via --selector flag or introspection: the ${obj.kind} has no selector`);
  const containerPorts: any[] = (obj.kind === "Pod" ? obj.spec?.containers : obj.spec?.template?.spec?.containers ?? [])?.flatMap((c: any) => c.ports ?? []) ?? [];
  const servicePorts: any[] = obj.kind === "Service" ? obj.spec?.ports ?? [] : [];
  let ports: any[];
  if (o.port) {
    ports = o.port.split(",").map((p, i, all) => ({ ...(all.length > 1 ? { name: `port-${i + 1}` } : {}), port: Number(p), protocol: o.protocol ?? "TCP", targetPort: targetPortOf(o.targetPort, Number(p)) }));
  } else {
    const src = servicePorts.length ? servicePorts.map((p) => ({ port: p.port, protocol: p.protocol ?? "TCP" })) : containerPorts.map((p) => ({ port: p.containerPort, protocol: p.protocol ?? "TCP" }));
    if (!src.length) throw new Error(`couldn't find port via --port flag or introspection`);
    ports = src.map((p, i) => ({ ...(src.length > 1 ? { name: `port-${i + 1}` } : {}), port: p.port, protocol: o.protocol ?? p.protocol, targetPort: targetPortOf(o.targetPort, p.port) }));
  }
  const labels = o.labels ? Object.fromEntries(o.labels.split(",").map((kv) => kv.split("=") as [string, string])) : obj.metadata?.labels;
  return {
    apiVersion: "v1", kind: "Service",
    metadata: { creationTimestamp: null, ...(labels && Object.keys(labels).length ? { labels } : {}), name: o.name ?? obj.metadata.name },
    spec: { ...(o.clusterIp ? { clusterIP: o.clusterIp } : {}), ...(o.externalIp ? { externalIPs: [o.externalIp] } : {}), ports, selector, ...(o.type ? { type: o.type } : {}) },
    status: { loadBalancer: {} },
  };
}

function targetPortOf(flag: string | undefined, port: number): number | string {
  if (flag === undefined) return port;
  return /^\d+$/.test(flag) ? Number(flag) : flag;
}

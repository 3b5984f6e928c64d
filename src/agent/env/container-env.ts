/**
 * A container's environment as the kubelet builds it (`kubelet_pods.go` makeEnvironmentVariables):
 * `envFrom` sources first (with their prefix), then `env` in order, later names winning;
 * values from the downward API, resources, ConfigMaps and Secrets; `$(NAME)` references to
 * earlier variables expanded (`$$` escapes). A missing non-optional source fails the
 * container with CreateContainerConfigError, as the kubelet does.
 */
import type { KubeObject } from "../../model/object.ts";
import { parseQuantity } from "../../model/quantity.ts";
import { RuntimeError } from "../runtime/types.ts";
import { serviceEnv, servicesForPod } from "./service-env.ts";

export interface EnvSources {
  configMap(namespace: string, name: string): Promise<KubeObject | undefined>;
  secret(namespace: string, name: string): Promise<KubeObject | undefined>;
  /** A token for the pod's service account (projected serviceAccountToken volumes); absent: none can be had. */
  serviceAccountToken?(pod: KubeObject, audience: string | undefined, expirationSeconds: number): Promise<string>;
  /** A namespace's Services, for the service environment variables; absent: none are given (hollow nodes). */
  services?(namespace: string): Promise<KubeObject[]>;
}

export interface PodFacts {
  hostIP: string;
  podIP?: string;
  /** Node allocatable cpu (cores) and memory (bytes), for resourceFieldRef without a limit. */
  nodeCpuCores: number;
  nodeMemoryBytes: number;
}

const configError = (message: string) => new RuntimeError("CreateContainerConfigError", message);

/** Expands `$(NAME)` from `vars`; unknown references stay as written; `$$(X)` gives `$(X)`. */
export function expandVars(text: string, vars: Map<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name) => {
    if (m === "$$") return "$";
    return vars.get(name) ?? m;
  });
}

/**
 * One downward-API reference (`fieldRef` or `resourceFieldRef`), as an env var or a
 * downwardAPI volume item resolves it; `container` is the one a resourceFieldRef defaults to.
 */
export function downwardValue(pod: KubeObject, container: any, ref: { fieldRef?: any; resourceFieldRef?: any }, facts: PodFacts): string {
  if (ref.fieldRef) return fieldPath(pod, ref.fieldRef.fieldPath, facts);
  if (ref.resourceFieldRef) return resourceField(pod, container, ref.resourceFieldRef, facts);
  return "";
}

function fieldPath(pod: KubeObject, path: string, facts: PodFacts): string {
  const bracket = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (bracket) return pod.metadata[bracket[1] as "labels" | "annotations"]?.[bracket[2]!] ?? "";
  switch (path) {
    case "metadata.name": return pod.metadata.name ?? "";
    case "metadata.namespace": return pod.metadata.namespace ?? "";
    case "metadata.uid": return pod.metadata.uid ?? "";
    case "spec.nodeName": return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName": return pod.spec?.serviceAccountName ?? "";
    case "status.hostIP": case "status.hostIPs": return facts.hostIP;
    case "status.podIP": case "status.podIPs": return facts.podIP ?? "";
    default: throw configError(`unsupported fieldPath: ${path}`);
  }
}

function resourceField(pod: KubeObject, container: any, ref: any, facts: PodFacts): string {
  const target = ref.containerName ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c: any) => c.name === ref.containerName) : container;
  if (!target) throw configError(`container ${ref.containerName} not found for resourceFieldRef`);
  const [kind, resource] = String(ref.resource).split(".") as [string, string];
  const set = target.resources?.[kind === "limits" ? "limits" : "requests"]?.[resource];
  const divisor = parseQuantity(ref.divisor ?? "1");
  if (resource === "cpu") {
    const milli = set != null ? Number(parseQuantity(set).milli()) : kind === "limits" ? facts.nodeCpuCores * 1000 : 0;
    return String(Math.ceil(milli / Number(divisor.milli())));
  }
  if (resource === "memory" || resource === "ephemeral-storage") {
    const bytes = set != null ? Number(parseQuantity(set).value()) : kind === "limits" && resource === "memory" ? facts.nodeMemoryBytes : 0;
    return String(Math.ceil(bytes / Number(divisor.value())));
  }
  throw configError(`unsupported resource: ${ref.resource}`);
}

function decodeSecret(s: KubeObject, key: string): string | undefined {
  const v = s.data?.[key];
  return v === undefined ? s.stringData?.[key] : Buffer.from(v, "base64").toString("utf8");
}

export async function resolveEnv(pod: KubeObject, container: any, sources: EnvSources, facts: PodFacts): Promise<{ name: string; value: string }[]> {
  const ns = pod.metadata.namespace!;
  // Service variables come first, so that the container's own env wins and may refer to them.
  const vars = new Map<string, string>((await podServiceEnv(pod, sources)).map((e) => [e.name, e.value]));
  const cache = new Map<string, Promise<KubeObject | undefined>>();
  const get = (kind: "ConfigMap" | "Secret", name: string) => {
    const k = `${kind}/${name}`;
    if (!cache.has(k)) cache.set(k, kind === "ConfigMap" ? sources.configMap(ns, name) : sources.secret(ns, name));
    return cache.get(k)!;
  };

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const kind = from.configMapRef ? "ConfigMap" : "Secret";
    const obj = await get(kind, ref.name);
    if (!obj) {
      if (ref.optional) continue;
      throw configError(`${kind.toLowerCase()} "${ref.name}" not found`);
    }
    const keys = Object.keys({ ...(obj.data ?? {}), ...(kind === "ConfigMap" ? obj.binaryData ?? {} : {}) });
    for (const key of keys) {
      const value = kind === "ConfigMap" ? obj.data?.[key] : decodeSecret(obj, key);
      if (value !== undefined) vars.set(`${from.prefix ?? ""}${key}`, value);
    }
  }

  for (const e of container.env ?? []) {
    let value: string | undefined;
    if (e.value !== undefined) value = expandVars(String(e.value), vars);
    else if (e.valueFrom?.fieldRef || e.valueFrom?.resourceFieldRef) value = downwardValue(pod, container, e.valueFrom, facts);
    else if (e.valueFrom?.configMapKeyRef || e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.configMapKeyRef ?? e.valueFrom.secretKeyRef;
      const kind = e.valueFrom.configMapKeyRef ? "ConfigMap" : "Secret";
      const obj = await get(kind, ref.name);
      if (!obj) {
        if (ref.optional) continue;
        throw configError(`${kind.toLowerCase()} "${ref.name}" not found`);
      }
      value = kind === "ConfigMap" ? obj.data?.[ref.key] : decodeSecret(obj, ref.key);
      if (value === undefined) {
        if (ref.optional) continue;
        throw configError(`couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name}`);
      }
    } else value = "";
    vars.set(e.name, value);
  }
  return [...vars].map(([name, value]) => ({ name, value }));
}

async function podServiceEnv(pod: KubeObject, sources: EnvSources): Promise<{ name: string; value: string }[]> {
  if (!sources.services) return [];
  const ns = pod.metadata.namespace!;
  try {
    const own = await sources.services(ns);
    const defaults = ns === "default" ? own : await sources.services("default");
    return serviceEnv(servicesForPod(ns, pod.spec?.enableServiceLinks !== false, own, defaults));
  } catch {
    // The API out of reach must not keep a container from (re)starting (the node runs on,
    // fail-static): it starts without the service variables, as a pod with links off would.
    return [];
  }
}

/** Command and args with `$(NAME)` expanded from the container's environment. */
export function expandCommand(container: any, env: { name: string; value: string }[]): { command: string[]; args: string[] } {
  const vars = new Map(env.map((e) => [e.name, e.value]));
  return {
    command: (container.command ?? []).map((c: string) => expandVars(c, vars)),
    args: (container.args ?? []).map((a: string) => expandVars(a, vars)),
  };
}

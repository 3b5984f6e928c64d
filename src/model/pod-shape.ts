/**
 * Whether a pod can be read by the code that runs it. The kubelet never meets a pod it cannot
 * decode (the apiserver could not serve it either); here a pod stored before write validation
 * — by an older version, restored from a backup — can carry `initContainers: "garbage"` or no
 * containers, and acting on it would throw on every sync. The agent refuses such a pod, the
 * scheduler does not place it.
 *
 * The agent bundles no OpenAPI schema (nor any API server module), so the fields it and the
 * scheduler read are described here by hand, with their JSON types; fields not listed are not
 * this check's business (the API's shape check refuses them on write). Findings are worded as
 * the apiserver's schema validation words them.
 */
import type { KubeObject } from "./object.ts";

/**
 * A field's JSON shape: a scalar type; "map" (string values, as labels), "quantities"
 * (string or number values, as resource lists), "object" (any object), a one-item array
 * (a list of that), or an object of fields.
 */
type Shape = "string" | "integer" | "number" | "boolean" | "int-or-string" | "map" | "quantities" | "object" | readonly [Shape] | { readonly [field: string]: Shape };

const NAME_VALUE = { name: "string", value: "string" } as const;
const KEY_TO_PATH = [{ key: "string", path: "string", mode: "integer" }] as const;

const CONTAINER: Shape = {
  name: "string", image: "string", imagePullPolicy: "string", command: ["string"], args: ["string"], workingDir: "string",
  ports: [{ name: "string", containerPort: "integer", hostPort: "integer", hostIP: "string", protocol: "string" }],
  env: [{ name: "string", value: "string", valueFrom: "object" }], envFrom: ["object"],
  resources: { requests: "quantities", limits: "quantities" },
  volumeMounts: [{ name: "string", mountPath: "string", subPath: "string", readOnly: "boolean", mountPropagation: "string" }],
  livenessProbe: "object", readinessProbe: "object", startupProbe: "object", lifecycle: "object",
  securityContext: {
    runAsUser: "integer", runAsGroup: "integer", runAsNonRoot: "boolean", privileged: "boolean", readOnlyRootFilesystem: "boolean",
    allowPrivilegeEscalation: "boolean", capabilities: { add: ["string"], drop: ["string"] },
  },
  restartPolicy: "string", terminationMessagePath: "string", terminationMessagePolicy: "string", stdin: "boolean", tty: "boolean",
};

const VOLUME: Shape = {
  name: "string", hostPath: { path: "string", type: "string" }, emptyDir: { medium: "string", sizeLimit: "int-or-string" },
  configMap: { name: "string", items: KEY_TO_PATH, defaultMode: "integer", optional: "boolean" },
  secret: { secretName: "string", items: KEY_TO_PATH, defaultMode: "integer", optional: "boolean" },
  persistentVolumeClaim: { claimName: "string", readOnly: "boolean" },
  projected: { sources: ["object"], defaultMode: "integer" }, downwardAPI: { items: ["object"], defaultMode: "integer" },
};

const POD: Shape = {
  metadata: {
    name: "string", namespace: "string", uid: "string", labels: "map", annotations: "map", ownerReferences: ["object"],
    deletionTimestamp: "string", deletionGracePeriodSeconds: "integer",
  },
  spec: {
    containers: [CONTAINER], initContainers: [CONTAINER], ephemeralContainers: [CONTAINER], volumes: [VOLUME],
    nodeName: "string", nodeSelector: "map", affinity: "object", topologySpreadConstraints: ["object"],
    tolerations: [{ key: "string", operator: "string", value: "string", effect: "string", tolerationSeconds: "integer" }],
    schedulingGates: [{ name: "string" }], schedulerName: "string", priority: "integer", priorityClassName: "string", overhead: "quantities",
    restartPolicy: "string", terminationGracePeriodSeconds: "integer", activeDeadlineSeconds: "integer",
    hostNetwork: "boolean", hostPID: "boolean", hostIPC: "boolean", shareProcessNamespace: "boolean",
    hostname: "string", subdomain: "string", hostAliases: [{ ip: "string", hostnames: ["string"] }],
    dnsPolicy: "string", dnsConfig: { nameservers: ["string"], searches: ["string"], options: [NAME_VALUE] },
    serviceAccountName: "string", automountServiceAccountToken: "boolean", enableServiceLinks: "boolean", imagePullSecrets: [{ name: "string" }],
    securityContext: { runAsUser: "integer", runAsGroup: "integer", fsGroup: "integer", supplementalGroups: ["integer"], sysctls: [NAME_VALUE] },
    readinessGates: [{ conditionType: "string" }], runtimeClassName: "string",
  },
};

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** The JSON type `shape` wants when `v` does not have it; undefined when it fits. null and absent always fit. */
function mismatch(v: unknown, shape: Shape): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(shape)) return Array.isArray(v) ? undefined : "array";
  if (typeof shape === "object" || shape === "map" || shape === "quantities" || shape === "object") return isMap(v) ? undefined : "object";
  switch (shape) {
    case "string":
      return typeof v === "string" ? undefined : "string";
    case "integer":
      return Number.isInteger(v) ? undefined : "integer";
    case "number":
      return typeof v === "number" ? undefined : "number";
    case "boolean":
      return typeof v === "boolean" ? undefined : "boolean";
    case "int-or-string":
      return typeof v === "string" || Number.isInteger(v) ? undefined : "integer or string";
  }
  return undefined;
}

type Segment = string | number;
const pathText = (path: Segment[]) => path.reduce<string>((out, s) => (typeof s === "number" ? `${out}[${s}]` : out ? `${out}.${s}` : s), "");

function walk(v: unknown, shape: Shape, path: Segment[], out: string[], limit: number): void {
  if (out.length >= limit) return;
  const want = mismatch(v, shape);
  if (want) {
    out.push(`${pathText(path)} in body must be of type ${want}: "${jsonType(v)}"`);
    return;
  }
  if (v === null || v === undefined || shape === "object") return;
  if (Array.isArray(shape)) {
    const item = shape[0] as Shape;
    const items = v as unknown[];
    for (let i = 0; i < items.length && out.length < limit; i++) {
      path.push(i);
      if (items[i] === null && typeof item === "object") out.push(`${pathText(path)} in body must be of type object: "null"`);
      else walk(items[i], item, path, out, limit);
      path.pop();
    }
    return;
  }
  if (shape === "map" || shape === "quantities") {
    for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
      if (out.length >= limit) return;
      const fits = typeof value === "string" || (shape === "quantities" && typeof value === "number");
      if (!fits) out.push(`${pathText([...path, key])} in body must be of type ${shape === "map" ? "string" : "integer or string"}: "${jsonType(value)}"`);
    }
    return;
  }
  if (typeof shape !== "object") return;
  const fields = shape as { readonly [field: string]: Shape };
  const obj = v as Record<string, unknown>;
  for (const field in fields) {
    if (!Object.hasOwn(obj, field)) continue;
    path.push(field);
    walk(obj[field], fields[field]!, path, out, limit);
    path.pop();
  }
}

/** Required fields read without a default, as field errors word them. */
function missingRequired(spec: Record<string, unknown>): string[] {
  const out: string[] = [];
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) out.push("spec.containers: Required value");
  for (const field of ["initContainers", "containers"]) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      if (isMap(c) && (typeof c.name !== "string" || c.name === "")) out.push(`spec.${field}[${i}].name: Required value`);
    });
  }
  return out;
}

/** At most this many problems are told; the first few say what is wrong. */
const MAX_TOLD = 3;

/**
 * What makes the pod unreadable, as one message; undefined for a pod that can be run.
 *
 * @example unreadablePodMessage({ metadata: { name: "p" }, spec: { containers: [{ name: "c" }], initContainers: "x" } })
 *   // 'spec.initContainers in body must be of type array: "string"'
 */
export function unreadablePodMessage(pod: KubeObject): string | undefined {
  const problems: string[] = [];
  walk({ metadata: pod.metadata, spec: pod.spec }, POD, [], problems, MAX_TOLD + 1);
  if (isMap(pod.spec)) problems.push(...missingRequired(pod.spec));
  else if (problems.length === 0) problems.push("spec: Required value");
  if (problems.length === 0) return undefined;
  return problems.slice(0, MAX_TOLD).join(", ") + (problems.length > MAX_TOLD ? ", …" : "");
}

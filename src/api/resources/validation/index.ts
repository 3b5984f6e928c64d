/** Per-kind validation entry points referenced by builtin.ts. Each returns field causes (empty = valid). */
import { cloneObject } from "../../../model/clone.ts";
import type { KubeObject } from "../../../model/object.ts";
import type { StatusCause } from "../../../model/errors.ts";
import { isKnownTimeZone, parseSchedule, ScheduleError } from "../../../model/cron-schedule.ts";
import { validatePodSpec } from "./pod-spec.ts";
import { ephemeralContainerErrors } from "./ephemeral-containers.ts";
import { forbidden, immutable, invalid, notSupported, required } from "./causes.ts";
import { selectorErrors } from "./selector.ts";

export { validateService } from "./service.ts";

export function validateNamespace(_obj: KubeObject): StatusCause[] {
  return [];
}

export function validatePod(obj: KubeObject, old?: KubeObject): StatusCause[] {
  const out = validatePodSpec(obj.spec, "spec");
  out.push(...ephemeralContainerErrors(obj, old));
  if (old) {
    // Pod updates may change only images, activeDeadlineSeconds, tolerations (additions) and
    // metadata; everything else in spec is fixed at creation.
    const strip = (s: any) => {
      const c = cloneObject(s ?? {});
      for (const list of [c.containers, c.initContainers]) if (Array.isArray(list)) for (const x of list) delete x.image;
      delete c.activeDeadlineSeconds;
      // Changed only through pods/ephemeralcontainers (the main resource keeps the stored ones).
      delete c.ephemeralContainers;
      delete c.tolerations;
      if (old.spec?.nodeName === undefined) delete c.nodeName;
      return c;
    };
    // Compared as values: a client's serializer orders keys its own way (the Python client's
    // follow its model classes), and a PUT of the object as read back changes nothing.
    if (!Bun.deepEquals(strip(obj.spec), strip(old.spec))) {
      out.push(forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"));
    }
  }
  return out;
}

export function validateConfigMap(obj: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  let size = 0;
  for (const field of ["data", "binaryData"]) {
    const m = obj[field];
    if (m === undefined || m === null) continue;
    if (typeof m !== "object" || Array.isArray(m)) {
      out.push(invalid(field, m, "must be a map"));
      continue;
    }
    for (const [k, v] of Object.entries(m)) {
      out.push(...configKeyErrors(`${field}[${k}]`, k));
      // Values are strings by now (the shape check ran first); binaryData counts decoded bytes, as Kubernetes' does.
      const text = typeof v === "string" ? v : JSON.stringify(v) ?? "";
      size += k.length + (field === "binaryData" ? Buffer.byteLength(text, "base64") : Buffer.byteLength(text));
    }
  }
  if (size > 1024 * 1024) out.push({ reason: "FieldValueTooLong", message: "Too long: must have at most 1048576 bytes", field: "" });
  return out;
}

export function validateSecret(obj: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const data = obj.data ?? {};
  if (typeof data !== "object" || Array.isArray(data)) return [invalid("data", data, "must be a map")];
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    out.push(...configKeyErrors(`data[${k}]`, k));
    if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
      out.push(invalid(`data[${k}]`, "<secret contents redacted>", "must be base64-encoded"));
    } else size += (v.length * 3) / 4;
  }
  if (size > 1024 * 1024) out.push({ reason: "FieldValueTooLong", message: "Too long: must have at most 1048576 bytes", field: "data" });
  if (obj.type === "kubernetes.io/tls") {
    for (const k of ["tls.crt", "tls.key"]) if (!(k in data)) out.push(required(`data[${k}]`));
  }
  return out;
}

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
function configKeyErrors(field: string, key: string): StatusCause[] {
  if (key.length === 0 || key.length > 253 || !CONFIG_KEY.test(key)) {
    return [invalid(field, key, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")];
  }
  return [];
}

export function validateEvent(obj: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  if (!obj.involvedObject || typeof obj.involvedObject !== "object") out.push(required("involvedObject"));
  else if (obj.involvedObject.namespace && obj.metadata.namespace && obj.involvedObject.namespace !== obj.metadata.namespace) {
    out.push(invalid("involvedObject.namespace", obj.involvedObject.namespace, "does not match event.namespace"));
  }
  return out;
}

export function validatePvc(obj: KubeObject, old?: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const s = obj.spec ?? {};
  if (!Array.isArray(s.accessModes) || s.accessModes.length === 0) out.push(required("spec.accessModes", "at least 1 access mode is required"));
  if (s.resources?.requests?.storage === undefined && !s.volumeName) out.push(required("spec.resources[storage]"));
  if (old) {
    const pick = (x: any) => ({ ...x, resources: undefined, volumeName: undefined, volumeAttributesClassName: undefined });
    if (old.spec?.volumeName && s.volumeName !== old.spec.volumeName) out.push(immutable("spec.volumeName", s.volumeName));
    if (!Bun.deepEquals(pick(s), pick(old.spec ?? {}))) {
      out.push(forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
    }
  }
  return out;
}

function validateReplicated(obj: KubeObject, old: KubeObject | undefined, restart?: string[]): StatusCause[] {
  const out: StatusCause[] = [];
  const s = obj.spec ?? {};
  if (s.replicas !== undefined && (!Number.isInteger(s.replicas) || s.replicas < 0)) {
    out.push(invalid("spec.replicas", s.replicas, "must be greater than or equal to 0"));
  }
  out.push(...selectorErrors(s.selector, s.template?.metadata?.labels, "spec"));
  out.push(...validatePodSpec(s.template?.spec, "spec.template.spec", restart));
  if (old && !Bun.deepEquals(old.spec?.selector, s.selector)) out.push(immutable("spec.selector", s.selector));
  return out;
}

export function validateDeployment(obj: KubeObject, old?: KubeObject): StatusCause[] {
  const out = validateReplicated(obj, old, ["Always"]);
  const t = obj.spec?.strategy?.type;
  if (t !== undefined && t !== "RollingUpdate" && t !== "Recreate") out.push(notSupported("spec.strategy.type", t, ["Recreate", "RollingUpdate"]));
  if (t === "Recreate" && obj.spec?.strategy?.rollingUpdate) {
    out.push(forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
  }
  return out;
}

export const validateReplicaSet = (obj: KubeObject, old?: KubeObject) => validateReplicated(obj, old, ["Always"]);

export function validateStatefulSet(obj: KubeObject, old?: KubeObject): StatusCause[] {
  const out = validateReplicated(withClaimVolumes(obj), old, ["Always"]);
  const p = obj.spec?.podManagementPolicy;
  if (p !== undefined && p !== "OrderedReady" && p !== "Parallel") out.push(notSupported("spec.podManagementPolicy", p, ["OrderedReady", "Parallel"]));
  return out;
}

/**
 * The set as its pods will look: one volume per volumeClaimTemplate, replacing a template
 * volume of the same name, so that volumeMounts may name the claims (they usually do).
 */
function withClaimVolumes(obj: KubeObject): KubeObject {
  const templates: any[] = obj.spec?.volumeClaimTemplates ?? [];
  const spec = obj.spec?.template?.spec;
  if (!templates.length || !spec || typeof spec !== "object") return obj;
  const names = new Set(templates.map((t) => t?.metadata?.name));
  const volumes = [...(spec.volumes ?? []).filter((v: any) => !names.has(v?.name)), ...templates.map((t) => ({ name: t?.metadata?.name, persistentVolumeClaim: { claimName: t?.metadata?.name } }))];
  return { ...obj, spec: { ...obj.spec, template: { ...obj.spec.template, spec: { ...spec, volumes } } } };
}

export function validateDaemonSet(obj: KubeObject, old?: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const s = obj.spec ?? {};
  out.push(...selectorErrors(s.selector, s.template?.metadata?.labels, "spec"));
  out.push(...validatePodSpec(s.template?.spec, "spec.template.spec", ["Always"]));
  if (old && !Bun.deepEquals(old.spec?.selector, s.selector)) out.push(immutable("spec.selector", s.selector));
  return out;
}

export function validateJob(obj: KubeObject, old?: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const s = obj.spec ?? {};
  for (const f of ["parallelism", "completions", "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"]) {
    if (s[f] != null && (!Number.isInteger(s[f]) || s[f] < 0)) out.push(invalid(`spec.${f}`, s[f], "must be greater than or equal to 0"));
  }
  out.push(...validatePodSpec(s.template?.spec, "spec.template.spec", ["OnFailure", "Never"]));
  if (s.template?.spec && s.template.spec.restartPolicy === undefined) {
    out.push(required("spec.template.spec.restartPolicy", 'Unsupported value: "Always": supported values: "OnFailure", "Never"'));
  }
  if (s.selector) out.push(...selectorErrors(s.selector, s.template?.metadata?.labels, "spec"));
  if (old) {
    if (!Bun.deepEquals(old.spec?.selector, s.selector)) out.push(immutable("spec.selector", s.selector));
    if (!Bun.deepEquals(old.spec?.template, s.template)) out.push(immutable("spec.template", "<template>"));
    if (old.spec?.completions !== s.completions && old.spec?.completionMode !== "Indexed") out.push(immutable("spec.completions", s.completions));
  }
  return out;
}

export function validateCronJob(obj: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const s = obj.spec ?? {};
  if (!s.schedule || typeof s.schedule !== "string") out.push(required("spec.schedule"));
  else if (/^\s*(CRON_)?TZ=/.test(s.schedule)) out.push(invalid("spec.schedule", s.schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
  else {
    try {
      parseSchedule(s.schedule);
    } catch (e) {
      if (!(e instanceof ScheduleError)) throw e;
      out.push(invalid("spec.schedule", s.schedule, e.message));
    }
  }
  if (s.timeZone != null && (typeof s.timeZone !== "string" || !isKnownTimeZone(s.timeZone))) out.push(invalid("spec.timeZone", s.timeZone, `unknown time zone ${s.timeZone}`));
  const cp = s.concurrencyPolicy;
  if (cp !== undefined && !["Allow", "Forbid", "Replace"].includes(cp)) out.push(notSupported("spec.concurrencyPolicy", cp, ["Allow", "Forbid", "Replace"]));
  out.push(...validatePodSpec(s.jobTemplate?.spec?.template?.spec, "spec.jobTemplate.spec.template.spec", ["OnFailure", "Never"]));
  return out;
}

export function validateIngress(obj: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const s = obj.spec ?? {};
  if (!s.defaultBackend && (!Array.isArray(s.rules) || s.rules.length === 0)) {
    out.push(invalid("spec.rules", s.rules ?? [], "either `defaultBackend` or `rules` must be specified"));
  }
  (Array.isArray(s.rules) ? s.rules : []).forEach((r: any, i: number) => {
    (r?.http?.paths ?? []).forEach((p: any, j: number) => {
      const pp = `spec.rules[${i}].http.paths[${j}]`;
      if (!["Exact", "Prefix", "ImplementationSpecific"].includes(p?.pathType)) {
        out.push(p?.pathType === undefined ? required(`${pp}.pathType`, "pathType must be specified") : notSupported(`${pp}.pathType`, p.pathType, ["Exact", "Prefix", "ImplementationSpecific"]));
      }
      if (!p?.backend?.service && !p?.backend?.resource) out.push(required(`${pp}.backend`));
    });
  });
  return out;
}

export function validateIngressClass(obj: KubeObject): StatusCause[] {
  const c = obj.spec?.controller;
  if (typeof c !== "string" || c === "") return [required("spec.controller")];
  // Kubernetes: a domain-prefixed path of at most 250 characters, e.g. "example.com/ingress".
  if (c.length > 250 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[^\s]+$/.test(c)) return [invalid("spec.controller", c, "must be a domain-prefixed path (such as \"acme.io/foo\")")];
  return [];
}

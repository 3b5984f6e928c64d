/** PodSpec validation: the subset of pkg/apis/core/validation that catches real mistakes early. */
import type { StatusCause } from "../../../model/errors.ts";
import { duplicate, invalid, notSupported, required } from "./causes.ts";
import { dns1123LabelErrors } from "./names.ts";

const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const PROTOCOLS = ["TCP", "UDP", "SCTP"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];

export function validatePodSpec(spec: any, path: string, allowedRestartPolicies = RESTART_POLICIES): StatusCause[] {
  const out: StatusCause[] = [];
  if (!spec || typeof spec !== "object") return [required(path)];
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) out.push(required(`${path}.containers`));
  const names = new Set<string>();
  for (const [field, list] of [["containers", spec.containers], ["initContainers", spec.initContainers]] as const) {
    if (!Array.isArray(list)) continue;
    list.forEach((c: any, i: number) => out.push(...validateContainer(c, `${path}.${field}[${i}]`, names)));
  }
  if (spec.restartPolicy !== undefined && !allowedRestartPolicies.includes(spec.restartPolicy)) {
    out.push(notSupported(`${path}.restartPolicy`, spec.restartPolicy, allowedRestartPolicies));
  }
  const volumes = new Set<string>();
  if (Array.isArray(spec.volumes)) {
    spec.volumes.forEach((v: any, i: number) => {
      const p = `${path}.volumes[${i}].name`;
      if (!v?.name) out.push(required(p));
      else if (volumes.has(v.name)) out.push(duplicate(p, v.name));
      else {
        out.push(...dns1123LabelErrors(p, v.name));
        volumes.add(v.name);
      }
    });
  }
  for (const [field, list] of [["containers", spec.containers], ["initContainers", spec.initContainers]] as const) {
    if (!Array.isArray(list)) continue;
    list.forEach((c: any, i: number) => out.push(...volumeMountErrors(c, `${path}.${field}[${i}]`, volumes)));
  }
  if (spec.terminationGracePeriodSeconds != null && spec.terminationGracePeriodSeconds < 0) {
    out.push(invalid(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, "must be greater than or equal to 0"));
  }
  return out;
}

/** A container's volumeMounts: each names one of the pod's `volumes` and has a mountPath. */
export function volumeMountErrors(c: any, path: string, volumes: Set<string>): StatusCause[] {
  const out: StatusCause[] = [];
  (Array.isArray(c?.volumeMounts) ? c.volumeMounts : []).forEach((m: any, j: number) => {
    const p = `${path}.volumeMounts[${j}]`;
    if (!m?.name) out.push(required(`${p}.name`));
    else if (!volumes.has(m.name)) out.push({ reason: "FieldValueNotFound", message: `Not found: ${JSON.stringify(m.name)}`, field: `${p}.name` });
    if (!m?.mountPath) out.push(required(`${p}.mountPath`));
  });
  return out;
}

export function validateContainer(c: any, path: string, names: Set<string>): StatusCause[] {
  const out: StatusCause[] = [];
  if (!c || typeof c !== "object") return [required(path)];
  if (!c.name) out.push(required(`${path}.name`));
  else if (names.has(c.name)) out.push(duplicate(`${path}.name`, c.name));
  else {
    out.push(...dns1123LabelErrors(`${path}.name`, c.name));
    names.add(c.name);
  }
  if (!c.image || typeof c.image !== "string" || c.image.trim() === "") out.push(required(`${path}.image`));
  if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(c.imagePullPolicy)) {
    out.push(notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  }
  const portNames = new Set<string>();
  (Array.isArray(c.ports) ? c.ports : []).forEach((p: any, i: number) => {
    const pp = `${path}.ports[${i}]`;
    if (!Number.isInteger(p?.containerPort) || p.containerPort < 1 || p.containerPort > 65535) {
      out.push(invalid(`${pp}.containerPort`, p?.containerPort, "must be between 1 and 65535, inclusive"));
    }
    if (p?.hostPort !== undefined && (!Number.isInteger(p.hostPort) || p.hostPort < 0 || p.hostPort > 65535)) {
      out.push(invalid(`${pp}.hostPort`, p.hostPort, "must be between 1 and 65535, inclusive"));
    }
    if (p?.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) out.push(notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
    if (p?.name) {
      if (portNames.has(p.name)) out.push(duplicate(`${pp}.name`, p.name));
      portNames.add(p.name);
    }
  });
  const envNames = (Array.isArray(c.env) ? c.env : []) as any[];
  envNames.forEach((e, i) => {
    if (!e?.name) out.push(required(`${path}.env[${i}].name`));
  });
  return out;
}

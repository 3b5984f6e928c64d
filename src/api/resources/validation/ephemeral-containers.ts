/**
 * Ephemeral containers (`kubectl debug`), as pkg/apis/core/validation checks them: none on
 * create; through the `ephemeralcontainers` subresource only added, never changed or removed;
 * each a container without ports, probes, lifecycle, resources or a restart policy, named
 * uniquely among all the pod's containers, its target (if any) one of them.
 */
import type { KubeObject } from "../../../model/object.ts";
import type { StatusCause } from "../../../model/errors.ts";
import { forbidden } from "./causes.ts";
import { validateContainer, volumeMountErrors } from "./pod-spec.ts";

/** Fields an ephemeral container may not have (EphemeralContainerCommon keeps them for the type only). */
const NOT_FOR_EPHEMERAL = ["lifecycle", "livenessProbe", "ports", "readinessProbe", "resources", "resizePolicy", "startupProbe", "restartPolicy"];

const listOf = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** Set as Go sees a field: something beside empty objects, lists and strings (kubectl sends `resources: {}`). */
function hasContent(v: unknown): boolean {
  if (v === undefined || v === null || v === "") return false;
  if (Array.isArray(v)) return v.some(hasContent);
  if (typeof v === "object") return Object.values(v).some(hasContent);
  return true;
}

export function ephemeralContainerErrors(pod: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const list = listOf(pod.spec?.ephemeralContainers);
  const path = "spec.ephemeralContainers";
  if (!old) return list.length ? [forbidden(path, "cannot be set on create")] : [];
  const before = listOf(old.spec?.ephemeralContainers);
  // Every pod update comes here (the kubelet's status writes too): most have none.
  if (list.length === 0 && before.length === 0) return [];
  const out: StatusCause[] = [];
  const now = new Map(list.map((c) => [c?.name, c]));
  for (const c of before) {
    const name = c?.name;
    if (!now.has(name)) out.push(forbidden(path, `existing ephemeral containers ${JSON.stringify(name)} may not be removed`));
    else if (!Bun.deepEquals(now.get(name), c)) out.push(forbidden(`${path}[${list.indexOf(now.get(name))}]`, `existing ephemeral containers ${JSON.stringify(name)} may not be changed`));
  }
  // Nothing added: those kept were checked when they were.
  if (out.length || list.length === before.length) return out;
  const names = new Set<string>();
  for (const c of [...listOf(pod.spec?.containers), ...listOf(pod.spec?.initContainers)]) if (c?.name) names.add(c.name);
  const targets = new Set(names);
  const volumes = new Set<string>(listOf(pod.spec?.volumes).map((v) => v?.name));
  list.forEach((c, i) => {
    const p = `${path}[${i}]`;
    out.push(...validateContainer(c, p, names));
    if (!c || typeof c !== "object") return;
    for (const f of NOT_FOR_EPHEMERAL) if (hasContent(c[f])) out.push(forbidden(`${p}.${f}`, "cannot be set for an Ephemeral Container"));
    if (c.targetContainerName !== undefined && c.targetContainerName !== "" && !targets.has(c.targetContainerName)) {
      out.push({ reason: "FieldValueNotFound", message: `Not found: ${JSON.stringify(c.targetContainerName)}`, field: `${p}.targetContainerName` });
    }
    out.push(...volumeMountErrors(c, p, volumes));
    for (const [j, m] of listOf(c.volumeMounts).entries()) {
      if (m?.subPath) out.push(forbidden(`${p}.volumeMounts[${j}].subPath`, "cannot be set for an Ephemeral Container"));
    }
  });
  return out;
}

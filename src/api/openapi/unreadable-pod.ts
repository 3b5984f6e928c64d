/**
 * Whether the agent can read a pod at all. The kubelet never meets a pod it cannot decode
 * (the apiserver could not serve it either); here a pod stored before write validation can
 * carry `initContainers: "garbage"` or no containers, and acting on it would throw on every
 * sync. Such a pod is refused the way the kubelet refuses a pod at admission: phase Failed,
 * a reason, and "Pod was rejected: …" as the message — and it can still be deleted.
 */
import type { KubeObject } from "../../model/object.ts";
import { shapeProblemText, specProblems } from "./stored-shape.ts";

/** The status reason of a pod refused because its stored object cannot be read. */
export const UNREADABLE_REASON = "UnreadablePodSpec";

/** At most this many problems are told; the first few say what is wrong. */
const MAX_TOLD = 3;

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Required fields the agent reads without a default, as field errors word them. */
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

/**
 * What makes the pod unreadable, as one message; undefined for a pod the agent can run and the scheduler can place.
 *
 * @example unreadablePodMessage({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c" }], initContainers: "x" } })
 *   // 'spec.initContainers in body must be of type array: "string"'
 */
export function unreadablePodMessage(pod: KubeObject): string | undefined {
  // The object itself when it names its kind: a cache's repaired copy is known by identity.
  const typed = pod.apiVersion === "v1" && pod.kind === "Pod" ? pod : { ...pod, apiVersion: "v1", kind: "Pod" };
  const problems = specProblems(typed, MAX_TOLD).map(shapeProblemText);
  if (isMap(pod.spec)) problems.push(...missingRequired(pod.spec));
  else if (problems.length === 0) problems.push("spec: Required value");
  if (problems.length === 0) return undefined;
  return problems.slice(0, MAX_TOLD).join(", ") + (problems.length > MAX_TOLD ? ", …" : "");
}

/** The status a refused pod gets (kubelet `rejectPod`). */
export function rejectedStatus(message: string): { phase: "Failed"; reason: string; message: string } {
  return { phase: "Failed", reason: UNREADABLE_REASON, message: `Pod was rejected: ${message}` };
}

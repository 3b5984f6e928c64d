/**
 * Pod facts every workload controller asks (kubernetes `pkg/api/v1/pod` and
 * `pkg/controller/controller_utils.go`): which pods count, which are ready or available, and
 * who controls an object.
 */
import { cloneObject } from "../../model/clone.ts";
import type { KubeObject, OwnerReference } from "../../model/object.ts";
import type { Pod, PodCondition, PodSpec, PodTemplateSpec } from "../../model/kinds.ts";
import { nowTimestamp } from "../../model/object.ts";
import { controllerRefOf } from "../../model/owner-references.ts";

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return controllerRefOf(obj);
}

/** Not finished and not being deleted: a pod that counts toward replicas. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata.deletionTimestamp;
}

function readyCondition(pod: Pod): PodCondition | undefined {
  return (pod.status?.conditions ?? []).find((c) => c.type === "Ready");
}

export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === "True";
}

/** Ready for at least minReadySeconds at `now`. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  const c = readyCondition(pod);
  if (c?.status !== "True") return false;
  if (!minReadySeconds) return true;
  const since = Date.parse(c.lastTransitionTime ?? "");
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now.getTime();
}

/** Ms until a ready pod becomes available (undefined when it is not ready or already available). */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: Date): number | undefined {
  const c = readyCondition(pod);
  if (c?.status !== "True" || !minReadySeconds) return undefined;
  const since = Date.parse(c.lastTransitionTime ?? "");
  const left = since + minReadySeconds * 1000 - now.getTime();
  return Number.isFinite(left) && left > 0 ? left : undefined;
}

/** An ownerReference that makes `owner` this object's controller. */
export function controllerRefTo(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** A pod from a template, as the workload controllers make them (GetPodFromTemplate). */
export function podFromTemplate(template: PodTemplateSpec | undefined, owner: KubeObject, extraLabels: Record<string, string> = {}): Pod & { spec: PodSpec } {
  const meta = template?.metadata ?? {};
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${owner.metadata.name}-`,
      namespace: owner.metadata.namespace,
      labels: { ...(meta.labels ?? {}), ...extraLabels },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [controllerRefTo(owner)],
    },
    // A template without a spec makes a pod without containers, which the API refuses.
    spec: cloneObject(template?.spec ?? ({} as PodSpec)),
  };
}

/** Marks a pod (being edited) as about to be disrupted, and why (the DisruptionTarget condition). */
export function setDisruptionTarget(pod: Pod, reason: string, message: string, now: Date): void {
  const status = (pod.status ??= {});
  const conds = status.conditions ?? [];
  const target: PodCondition = { type: "DisruptionTarget", status: "True", lastTransitionTime: nowTimestamp(now), reason, message };
  status.conditions = [...conds.filter((c) => c.type !== "DisruptionTarget"), target];
}

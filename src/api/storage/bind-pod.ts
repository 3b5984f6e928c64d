/**
 * Binding a pod to a node, the one rule shared by `pods/binding` and the in-server scheduler:
 * spec.nodeName is set exactly once (409 if already bound or being deleted), together with the
 * PodScheduled condition.
 */
import type { KubeObject } from "../../model/object.ts";
import { nowTimestamp } from "../../model/object.ts";
import { errors } from "../../model/errors.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { ObjectStorage } from "./object-storage.ts";

export interface BindRequest {
  node: string;
  uid?: string;
  annotations?: Record<string, string>;
  dryRun?: boolean;
}

export function bindMutation(name: string, b: BindRequest): (pod: KubeObject) => KubeObject {
  return (pod) => {
    if (pod.metadata.deletionTimestamp) throw errors.conflict("", "pods", name, "pod is being deleted, cannot be assigned to a host");
    if (pod.spec?.nodeName) throw errors.conflict("", "pods", name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    if (b.uid && b.uid !== pod.metadata.uid) {
      throw errors.conflict("", "pods", name, `Precondition failed: UID in precondition: ${b.uid}, UID in object meta: ${pod.metadata.uid}`);
    }
    pod.spec.nodeName = b.node;
    pod.status ??= {};
    pod.status.conditions = [
      ...(pod.status.conditions ?? []).filter((c: any) => c.type !== "PodScheduled"),
      { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: nowTimestamp() },
    ];
    for (const [k, v] of Object.entries(b.annotations ?? {})) {
      pod.metadata.annotations ??= {};
      pod.metadata.annotations[k] = String(v);
    }
    return pod;
  };
}

export async function bindPod(storage: ObjectStorage, podDef: ResourceDef, namespace: string, name: string, b: BindRequest): Promise<KubeObject> {
  // Binding writes spec and status together, so it goes through as its own kind of write
  // (the main resource would drop status, the status subresource would drop spec).
  return (await storage.update(podDef, namespace, name, bindMutation(name, b), { dryRun: b.dryRun, subresource: "binding" })).object;
}

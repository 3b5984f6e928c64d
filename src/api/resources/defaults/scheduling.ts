/** scheduling.k8s.io defaults, as SetDefaults_PriorityClass. */
import type { KubeObject } from "../../../model/object.ts";

/** A class preempts lower-priority pods unless it says Never. */
export function defaultPriorityClass(obj: KubeObject): void {
  obj.preemptionPolicy ??= "PreemptLowerPriority";
}

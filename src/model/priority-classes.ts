/**
 * Pod priority, as Kubernetes' scheduling API defines it: the PriorityClasses every cluster
 * has, the bound on classes users may make, and a pod's priority as the scheduler reads it.
 */
import type { KubeObject } from "./object.ts";

/** What a user-made class may be worth at most (scheduling.HighestUserDefinablePriority). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** Pods at or above this priority are critical: the kubelet never evicts them (scheduling.SystemCriticalPriority). */
export const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;
/** Names starting so are the system's (scheduling.SystemPriorityClassPrefix). */
export const SYSTEM_PRIORITY_CLASS_PREFIX = "system-";
export const PREEMPTION_POLICIES = ["PreemptLowerPriority", "Never"];

/** The two classes the apiserver creates at start and keeps (its bootstrap post-start hook). */
export const SYSTEM_PRIORITY_CLASSES: readonly KubeObject[] = [
  {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: "system-node-critical" },
    value: 2_000_001_000,
    description: "Used for system critical pods that must not be moved from their current node.",
    preemptionPolicy: "PreemptLowerPriority",
  },
  {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: "system-cluster-critical" },
    value: 2_000_000_000,
    description: "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
    preemptionPolicy: "PreemptLowerPriority",
  },
];

/** The system class of that name, or undefined. */
export function systemPriorityClass(name: string | undefined): KubeObject | undefined {
  return SYSTEM_PRIORITY_CLASSES.find((c) => c.metadata.name === name);
}

/** A pod's priority as admission set it (0 for pods stored before it did). */
export function podPriority(pod: KubeObject): number {
  const p = pod.spec?.priority;
  return typeof p === "number" && Number.isFinite(p) ? p : 0;
}

/** Whether a pod may preempt others (spec.preemptionPolicy, PreemptLowerPriority unless Never). */
export function podMayPreempt(pod: KubeObject): boolean {
  return pod.spec?.preemptionPolicy !== "Never";
}

/**
 * StatefulSet decisions as pure functions (updateStatefulSet in kubernetes
 * `pkg/controller/statefulset/stateful_set_control.go`): what to create, delete or relabel in
 * this sync, in the order Kubernetes does it — replicas low to high (OrderedReady stops at the
 * first pod not yet Running, Ready and available), then scale-down high to low, then one
 * rolling-update deletion from the highest ordinal down to the partition — and the status.
 */
import type { KubeObject } from "../../model/object.ts";
import type { Pod, StatefulSetCondition } from "../../model/kinds.ts";
import { isPodAvailable, isPodReady } from "../framework/pod-util.ts";
import { identityMatches, ordinalOf, podRevision, startOrdinal } from "./identity.ts";

export type StsAction =
  | { kind: "create"; ordinal: number; revision: "current" | "update" }
  | { kind: "delete"; pod: Pod; why: "failed" | "scale-down" | "update" }
  /** A pending pod: make sure its claims exist (they may have been deleted under it). */
  | { kind: "claims"; pod: Pod }
  | { kind: "identity"; pod: Pod };

export interface StsPlan {
  actions: StsAction[];
  /** Why the sync stopped early (for logs and tests), if it did. */
  waiting?: string;
}

const isCreated = (p: Pod) => !!p.status?.phase;
const isTerminating = (p: Pod) => !!p.metadata.deletionTimestamp;
export const isRunningAndReady = (p: Pod) => p.status?.phase === "Running" && isPodReady(p);
export const isRunningAndAvailable = (p: Pod, minReady: number, now: Date) => p.status?.phase === "Running" && isPodAvailable(p, minReady, now);
const isUnavailable = (p: Pod, minReady: number, now: Date) => !isCreated(p) || isTerminating(p) || !isRunningAndAvailable(p, minReady, now);

/** Pods by role: replicas[i] holds ordinal start+i (undefined when missing); condemned are out of range, highest first. */
export function partitionPods(set: KubeObject, pods: Pod[]): { replicas: (KubeObject | undefined)[]; condemned: KubeObject[] } {
  const start = startOrdinal(set);
  const count = set.spec?.replicas ?? 1;
  const replicas: (KubeObject | undefined)[] = Array.from({ length: count }, () => undefined);
  const condemned: KubeObject[] = [];
  for (const p of pods) {
    const ord = ordinalOf(p);
    if (ord < 0) continue;
    if (ord >= start && ord < start + count) replicas[ord - start] = p;
    else condemned.push(p);
  }
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
  return { replicas, condemned };
}

/** Whether a missing ordinal is made from the current revision (below the partition) or the update one (newVersionedStatefulSetPod). */
export function revisionForNewPod(set: KubeObject, ordinal: number): "current" | "update" {
  const us = set.spec?.updateStrategy ?? {};
  if ((us.type ?? "RollingUpdate") !== "RollingUpdate") return "update";
  const below = us.rollingUpdate ? Number(us.rollingUpdate.partition ?? 0) : Number(set.status?.currentReplicas ?? 0);
  return ordinal < startOrdinal(set) + below ? "current" : "update";
}

export function planStatefulSet(set: KubeObject, pods: Pod[], o: { updateRevision: string; now: Date }): StsPlan {
  const actions: StsAction[] = [];
  if (set.metadata.deletionTimestamp) return { actions };
  const minReady = set.spec?.minReadySeconds ?? 0;
  const monotonic = (set.spec?.podManagementPolicy ?? "OrderedReady") !== "Parallel";
  const start = startOrdinal(set);
  const { replicas, condemned } = partitionPods(set, pods);

  const firstUnhealthy = replicas.find((p) => !p || isUnavailable(p, minReady, o.now)) ??
    [...condemned].reverse().find((p) => isUnavailable(p, minReady, o.now));

  let blocked: string | undefined;
  for (let i = 0; i < replicas.length; i++) {
    const pod = replicas[i];
    const ordinal = start + i;
    const wait = (why: string) => {
      blocked ??= why;
      return monotonic;
    };
    if (!pod) {
      actions.push({ kind: "create", ordinal, revision: revisionForNewPod(set, ordinal) });
      if (wait(`creating ${set.metadata.name}-${ordinal}`)) break;
      continue;
    }
    const phase = pod.status?.phase;
    // Failed or Succeeded: the pod is replaced under the same name once the old one is gone.
    if (phase === "Failed" || phase === "Succeeded") {
      if (!isTerminating(pod)) actions.push({ kind: "delete", pod, why: "failed" });
      if (wait(`recreating ${pod.metadata.name}`)) break;
      continue;
    }
    if (phase === "Pending") actions.push({ kind: "claims", pod });
    if (isTerminating(pod) && wait(`${pod.metadata.name} is terminating`)) break;
    if (!isRunningAndReady(pod) && wait(`${pod.metadata.name} is not running and ready`)) break;
    if (!isRunningAndAvailable(pod, minReady, o.now) && wait(`${pod.metadata.name} is not available`)) break;
    if (!identityMatches(set, pod)) actions.push({ kind: "identity", pod });
  }
  if (blocked && monotonic) return { actions, waiting: blocked };

  // Scale down, highest ordinal first; OrderedReady removes one at a time and only from a healthy set.
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return { actions, waiting: `${pod.metadata.name} is terminating` };
      continue;
    }
    if (monotonic && pod !== firstUnhealthy && !isRunningAndAvailable(pod, minReady, o.now)) {
      return { actions, waiting: `${firstUnhealthy?.metadata.name} is unhealthy` };
    }
    actions.push({ kind: "delete", pod, why: "scale-down" });
    if (monotonic) return { actions, waiting: `${pod.metadata.name} is scaling down` };
  }

  if ((set.spec?.updateStrategy?.type ?? "RollingUpdate") !== "RollingUpdate") return { actions, waiting: blocked };
  const partition = Number(set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0);
  for (let i = replicas.length - 1; i >= partition; i--) {
    const pod = replicas[i];
    if (!pod) return { actions, waiting: blocked };
    if (podRevision(pod) !== o.updateRevision && !isTerminating(pod)) {
      actions.push({ kind: "delete", pod, why: "update" });
      return { actions, waiting: `updating ${pod.metadata.name}` };
    }
    if (isUnavailable(pod, minReady, o.now)) return { actions, waiting: `${pod.metadata.name} is updating` };
  }
  return { actions, waiting: blocked };
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: StatefulSetCondition[];
}

/**
 * Counts over the set's pods (computeReplicaStatus); a RollingUpdate whose pods are all updated
 * and ready becomes the current revision (completeRollingUpdate). `recheckMs` is when a
 * ready pod becomes available.
 */
export function statefulSetStatus(set: KubeObject, pods: Pod[], o: { currentRevision: string; updateRevision: string; collisionCount: number; now: Date }): { status: StatefulSetStatus; recheckMs?: number } {
  const minReady = set.spec?.minReadySeconds ?? 0;
  let replicas = 0, ready = 0, available = 0, current = 0, updated = 0;
  let recheckMs: number | undefined;
  for (const p of pods) {
    if (ordinalOf(p) < 0) continue;
    if (isCreated(p)) replicas++;
    if (isRunningAndReady(p)) {
      ready++;
      if (isRunningAndAvailable(p, minReady, o.now)) available++;
      else {
        const since = Date.parse((p.status?.conditions ?? []).find((c) => c.type === "Ready")?.lastTransitionTime ?? "");
        const left = since + minReady * 1000 - o.now.getTime();
        if (Number.isFinite(left) && left > 0) recheckMs = Math.min(recheckMs ?? left, left);
      }
    }
    if (isCreated(p) && !isTerminating(p)) {
      if (podRevision(p) === o.currentRevision) current++;
      if (podRevision(p) === o.updateRevision) updated++;
    }
  }
  let currentRevision = o.currentRevision;
  if ((set.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate" && updated === replicas && ready === replicas) {
    current = updated;
    currentRevision = o.updateRevision;
  }
  const status: StatefulSetStatus = { replicas, availableReplicas: available };
  if (set.metadata.generation) status.observedGeneration = set.metadata.generation;
  if (ready) status.readyReplicas = ready;
  if (current) status.currentReplicas = current;
  if (updated) status.updatedReplicas = updated;
  status.currentRevision = currentRevision;
  status.updateRevision = o.updateRevision;
  status.collisionCount = o.collisionCount;
  if (set.status?.conditions?.length) status.conditions = set.status.conditions;
  return { status, recheckMs };
}

/**
 * ReplicaSet decisions as pure functions: which pods go first on scale-down, how many to make
 * in each batch, and the status to report (kubernetes `pkg/controller/replicaset`).
 */
import type { Pod, ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from "../../model/kinds.ts";
import { labelSelectorMatches } from "../../model/label-selector.ts";
import { isPodAvailable, isPodReady, msUntilAvailable } from "../framework/pod-util.ts";
import { nowTimestamp } from "../../model/object.ts";

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function readySince(p: Pod): number {
  const c = (p.status?.conditions ?? []).find((x) => x.type === "Ready" && x.status === "True");
  return c ? Date.parse(c.lastTransitionTime ?? "") || 0 : 0;
}

function restarts(p: Pod): number {
  return (p.status?.containerStatuses ?? []).reduce((n, c) => Math.max(n, c.restartCount ?? 0), 0);
}

function deletionCost(p: Pod): number {
  const v = Number(p.metadata.annotations?.["controller.kubernetes.io/pod-deletion-cost"]);
  return Number.isFinite(v) ? v : 0;
}

/**
 * Kubernetes' ActivePods order, first to delete first: unscheduled before scheduled, Pending
 * before Unknown before Running, not ready before ready, lower pod-deletion-cost first, ready
 * for less time first, more restarts first, newer first.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const sa = a.spec?.nodeName ? 1 : 0, sb = b.spec?.nodeName ? 1 : 0;
  if (sa !== sb) return sa - sb;
  const pa = PHASE_RANK[a.status?.phase ?? "Pending"] ?? 0, pb = PHASE_RANK[b.status?.phase ?? "Pending"] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a) ? 1 : 0, rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  const ca = deletionCost(a), cb = deletionCost(b);
  if (ca !== cb) return ca - cb;
  if (ra && rb) {
    const ta = readySince(a), tb = readySince(b);
    if (ta !== tb) return tb - ta; // ready more recently = ready for less time
  }
  const xa = restarts(a), xb = restarts(b);
  if (xa !== xb) return xb - xa;
  return Date.parse(b.metadata.creationTimestamp ?? "") - Date.parse(a.metadata.creationTimestamp ?? "");
}

export function podsToDelete(pods: Pod[], count: number): Pod[] {
  return [...pods].sort(compareForDeletion).slice(0, Math.max(0, count));
}

/** Slow start (Kubernetes: 1, 2, 4, … up to the rest): a template that cannot work fails once, not N times. */
export function slowStartBatches(total: number, initial = 1): number[] {
  const out: number[] = [];
  let left = total;
  let size = Math.max(1, initial);
  while (left > 0) {
    const n = Math.min(size, left);
    out.push(n);
    left -= n;
    size *= 2;
  }
  return out;
}

export interface ReplicaSetStatusResult {
  status: ReplicaSetStatus;
  /** When a ready pod becomes available (minReadySeconds), ms from now. */
  recheckMs?: number;
}

/** `pods` are the active pods the ReplicaSet owns. */
export function replicaSetStatus(rs: ReplicaSet, pods: Pod[], now: Date, failure?: { message: string }): ReplicaSetStatusResult {
  const minReady = rs.spec?.minReadySeconds ?? 0;
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  let ready = 0, available = 0, fullyLabeled = 0;
  let recheckMs: number | undefined;
  for (const p of pods) {
    if (labelSelectorMatches({ matchLabels: templateLabels }, p.metadata.labels)) fullyLabeled++;
    if (isPodReady(p)) ready++;
    if (isPodAvailable(p, minReady, now)) available++;
    const left = msUntilAvailable(p, minReady, now);
    if (left !== undefined) recheckMs = Math.min(recheckMs ?? left, left);
  }
  const prev: ReplicaSetCondition[] = rs.status?.conditions ?? [];
  let conditions = prev.filter((c) => c.type !== "ReplicaFailure");
  if (failure) {
    const old = prev.find((c) => c.type === "ReplicaFailure");
    // Set once and left while failures go on, as Kubernetes does: each failure names a new
    // pod, and rewriting the message would wake the controller again at once, skipping its back-off.
    conditions = [...conditions, old?.status === "True" ? old : {
      type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: failure.message,
      lastTransitionTime: nowTimestamp(now),
    }];
  }
  const status: ReplicaSetStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? 1,
  };
  if (conditions.length) status.conditions = conditions;
  // The API drops zero counts from JSON; keep the shape Kubernetes returns (replicas always there).
  for (const k of ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"] as const) if (status[k] === 0) delete status[k];
  return { status, recheckMs };
}

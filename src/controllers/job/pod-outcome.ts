/**
 * How a Job sees its pods (kubernetes `pkg/controller/job`): active, terminating, or finished
 * with an outcome. Pods carry the `batch.kubernetes.io/job-tracking` finalizer until the
 * controller has counted them, so a finished pod that is deleted meanwhile is never lost
 * from `status.succeeded`/`status.failed`.
 */
import type { Pod } from "../../model/kinds.ts";

export const TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
export const COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";

/** Succeeded/Failed by phase; a pod deleted while running failed — unless the Job itself let it go. */
export type PodOutcome = "Succeeded" | "Failed" | "Ignored" | undefined;

export function isTerminalPhase(pod: Pod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

/** Neither finished nor being deleted. */
export function isActiveJobPod(pod: Pod): boolean {
  return !isTerminalPhase(pod) && !pod.metadata.deletionTimestamp;
}

export function isTerminatingJobPod(pod: Pod): boolean {
  return !isTerminalPhase(pod) && !!pod.metadata.deletionTimestamp;
}

export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata.finalizers?.includes(TRACKING_FINALIZER) ?? false;
}

/**
 * `jobLetsGo`: the Job is suspended or already decided its outcome, so the pods it deletes
 * are not failures (they would otherwise eat the backoff limit).
 */
export function podOutcome(pod: Pod, jobLetsGo: boolean): PodOutcome {
  if (pod.status?.phase === "Succeeded") return "Succeeded";
  // A pod the Job deleted ends Failed once killed; that failure is not the workload's.
  if (pod.metadata.deletionTimestamp && jobLetsGo) return "Ignored";
  if (pod.status?.phase === "Failed" || pod.metadata.deletionTimestamp) return "Failed";
  return undefined;
}

export function completionIndexOf(pod: Pod): number | undefined {
  const raw = pod.metadata.annotations?.[COMPLETION_INDEX] ?? pod.metadata.labels?.[COMPLETION_INDEX];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** When the pod finished: its containers' latest finishedAt, else its deletion, else undefined. */
export function finishedAt(pod: Pod): number | undefined {
  let latest: number | undefined;
  for (const cs of pod.status?.containerStatuses ?? []) {
    const t = Date.parse(cs.state?.terminated?.finishedAt ?? "");
    if (Number.isFinite(t) && (latest === undefined || t > latest)) latest = t;
  }
  if (latest !== undefined) return latest;
  const d = Date.parse(pod.metadata.deletionTimestamp ?? "");
  return Number.isFinite(d) ? d : undefined;
}

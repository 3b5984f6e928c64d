/**
 * Deployment status and conditions (kubernetes `pkg/controller/deployment/sync.go`,
 * `progress.go`): counts summed over its ReplicaSets; Available from minimum availability;
 * Progressing from progress made, completion, pause and the progress deadline — what
 * `kubectl rollout status` reads.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet, ReplicaSetStatus } from "../../model/kinds.ts";
import { nowTimestamp } from "../../model/object.ts";

export const REVISION = "deployment.kubernetes.io/revision";

function iso(d: Date): string {
  return nowTimestamp(d);
}

function condition(prev: DeploymentCondition[] | undefined, type: string, status: string, reason: string, message: string, now: Date, touch: boolean): DeploymentCondition {
  const p = (prev ?? []).find((c) => c.type === type);
  const same = p !== undefined && p.status === status;
  const keepUpdate = same && p.reason === reason && !touch;
  return {
    type, status,
    lastUpdateTime: keepUpdate ? p.lastUpdateTime : iso(now),
    lastTransitionTime: same ? p.lastTransitionTime : iso(now),
    reason, message,
  };
}

export interface StatusInput {
  d: Deployment;
  newRs: ReplicaSet | undefined;
  all: ReplicaSet[];
  maxUnavailable: number;
  now: Date;
}

export function isComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = d.spec?.replicas ?? 1;
  return s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want && s.observedGeneration !== undefined && s.observedGeneration >= (d.metadata.generation ?? 1);
}

/** The new status, and when to look again for the progress deadline (ms), if it runs. */
/** The counts deploymentStatus always sets. */
type Counted = DeploymentStatus & Required<Pick<DeploymentStatus, "observedGeneration" | "replicas" | "updatedReplicas" | "readyReplicas" | "availableReplicas">>;

export function deploymentStatus(i: StatusInput): { status: DeploymentStatus; recheckMs?: number } {
  const { d, newRs, all, now } = i;
  const sum = (f: (s: Partial<ReplicaSetStatus>) => number | undefined) => all.reduce((n, rs) => n + (f(rs.status ?? {}) ?? 0), 0);
  const want = d.spec?.replicas ?? 1;
  const specTotal = all.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
  const available = sum((s) => s.availableReplicas);
  const s: Counted = {
    observedGeneration: d.metadata.generation ?? 1,
    replicas: sum((s) => s.replicas),
    updatedReplicas: newRs?.status?.replicas ?? 0,
    readyReplicas: sum((s) => s.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specTotal - available),
  };
  if (d.status?.collisionCount) s.collisionCount = d.status.collisionCount;
  const prev = d.status?.conditions ?? [];
  const availableCond = available >= want - i.maxUnavailable
    ? condition(prev, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now, false)
    : condition(prev, "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now, false);

  let progressing: DeploymentCondition | undefined;
  let recheckMs: number | undefined;
  const rsName = newRs?.metadata.name ?? "";
  const old: DeploymentStatus = d.status ?? {};
  const prevProgress = prev.find((c) => c.type === "Progressing");
  if (d.spec?.paused) {
    progressing = condition(prev, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", now, false);
  } else if (isComplete(d, s)) {
    progressing = condition(prev, "Progressing", "True", "NewReplicaSetAvailable", `ReplicaSet "${rsName}" has successfully progressed.`, now, false);
  } else {
    const progressed = !prevProgress || prevProgress.reason === "DeploymentPaused" ||
      s.updatedReplicas > (old.updatedReplicas ?? 0) || s.readyReplicas > (old.readyReplicas ?? 0) ||
      s.availableReplicas > (old.availableReplicas ?? 0) || s.replicas < (old.replicas ?? 0) || (old.observedGeneration ?? 0) < s.observedGeneration;
    if (progressed) {
      const reason = prevProgress?.reason === "NewReplicaSetCreated" && (prevProgress.message ?? "").includes(rsName) ? "NewReplicaSetCreated" : "ReplicaSetUpdated";
      const message = reason === "NewReplicaSetCreated" ? prevProgress!.message! : `ReplicaSet "${rsName}" is progressing.`;
      progressing = condition(prev, "Progressing", "True", reason, message, now, true);
    } else {
      progressing = prevProgress;
    }
    const deadline = d.spec?.progressDeadlineSeconds;
    if (deadline !== undefined && progressing?.status === "True") {
      const left = Date.parse(progressing.lastUpdateTime ?? "") + deadline * 1000 - now.getTime();
      if (left <= 0) {
        progressing = condition(prev, "Progressing", "False", "ProgressDeadlineExceeded", `ReplicaSet "${rsName}" has timed out progressing.`, now, false);
      } else recheckMs = left + 10;
    }
  }
  s.conditions = [availableCond, ...(progressing ? [progressing] : []), ...prev.filter((c) => c.type !== "Available" && c.type !== "Progressing")];
  return { status: s, recheckMs };
}

/** A condition after creating the new ReplicaSet (so that its reason survives the next status). */
export function newReplicaSetCreated(d: Deployment, rsName: string, now: Date): DeploymentCondition {
  return condition(d.status?.conditions, "Progressing", "True", "NewReplicaSetCreated", `Created new replica set "${rsName}"`, now, true);
}

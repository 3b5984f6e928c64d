/**
 * PodDisruptionBudget status rules shared by the eviction subresource and the disruption
 * controller (kubernetes `component-helpers/apps/poddisruptionbudget`): the DisruptionAllowed
 * condition follows status.disruptionsAllowed, and both writers must agree on it.
 */
import type { KubeObject } from "./object.ts";
import { nowTimestamp } from "./object.ts";

export const DISRUPTION_ALLOWED = "DisruptionAllowed";
export const SUFFICIENT_PODS = "SufficientPods";
export const INSUFFICIENT_PODS = "InsufficientPods";
export const SYNC_FAILED = "SyncFailed";

export interface StatusCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/**
 * apimachinery's SetStatusCondition: a condition of the same type is edited in place and its
 * lastTransitionTime moves only when its status flips. Mutates `conditions`.
 */
export function setStatusCondition(conditions: StatusCondition[], next: Omit<StatusCondition, "lastTransitionTime">, now: Date): void {
  const existing = conditions.find((c) => c.type === next.type);
  if (!existing) {
    conditions.push(withoutZeroGeneration({ ...next, lastTransitionTime: nowTimestamp(now) }));
    return;
  }
  if (existing.status !== next.status) existing.lastTransitionTime = nowTimestamp(now);
  existing.status = next.status;
  existing.reason = next.reason;
  existing.message = next.message;
  if (next.observedGeneration) existing.observedGeneration = next.observedGeneration;
  else delete existing.observedGeneration;
}

function withoutZeroGeneration(c: StatusCondition): StatusCondition {
  if (!c.observedGeneration) delete c.observedGeneration;
  return c;
}

/** UpdateDisruptionAllowedCondition: True/SufficientPods while disruptions are allowed, else False/InsufficientPods. */
export function updateDisruptionAllowedCondition(status: Record<string, any>, now: Date): void {
  status.conditions ??= [];
  const allowed = (status.disruptionsAllowed ?? 0) > 0;
  setStatusCondition(status.conditions, {
    type: DISRUPTION_ALLOWED,
    status: allowed ? "True" : "False",
    reason: allowed ? SUFFICIENT_PODS : INSUFFICIENT_PODS,
    message: "",
    observedGeneration: status.observedGeneration ?? 0,
  }, now);
}

/** ConditionsAreUpToDate: the condition says what disruptionsAllowed says, for the current generation. */
export function conditionsAreUpToDate(pdb: KubeObject): boolean {
  const status = pdb.status ?? {};
  const cond = (status.conditions ?? []).find((c: StatusCondition) => c.type === DISRUPTION_ALLOWED);
  if (!cond) return false;
  if ((status.observedGeneration ?? 0) !== (pdb.metadata.generation ?? 0)) return false;
  if ((status.disruptionsAllowed ?? 0) > 0) return cond.status === "True" && cond.reason === SUFFICIENT_PODS;
  return cond.status === "False" && cond.reason === INSUFFICIENT_PODS;
}

/**
 * The numbers of a PodDisruptionBudget (kubernetes `pkg/controller/disruption`): how many
 * pods are expected, how many must stay healthy, how many are, and so how many may be
 * disrupted now. Pure: the controller hands in the selected pods, each pod's scalable
 * controller and the time.
 */
import { cloneObject } from "../../model/clone.ts";
import type { KubeObject } from "../../model/object.ts";
import type { Pod, PodCondition, PodDisruptionBudgetStatus } from "../../model/kinds.ts";
import { nowTimestamp } from "../../model/object.ts";
import { conditionsAreUpToDate, setStatusCondition, SYNC_FAILED, updateDisruptionAllowedCondition, DISRUPTION_ALLOWED, type StatusCondition } from "../../model/disruption-budget.ts";
import { controllerOf, isPodReady } from "../framework/pod-util.ts";

/**
 * How long an eviction's entry in status.disruptedPods keeps its pod out of currentHealthy:
 * the pod should be seen deleting long before; if not, the eviction is assumed to have failed.
 */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

/** A pod's controller and the scale it asks for (spec.replicas), when it has one. */
export interface Scale {
  uid: string;
  replicas: number;
}

/** intstr.GetScaledValueFromIntOrPercent: a number, or `N%` of total (rounded up or down). */
export function scaledValue(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === "number") return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const raw = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

/**
 * The sum of the scales of the pods' controllers, each controller counted once. A pod with no
 * scalable controller counts as itself, so a budget over bare pods expects the pods there are
 * (what Kubernetes does for an integer minAvailable). Names of pods without any controller
 * come back too: Kubernetes warns about them.
 */
export function expectedScale(pods: Pod[], scaleOf: (pod: Pod) => Scale | undefined): { expected: number; unmanaged: string[] } {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  let standalone = 0;
  for (const pod of pods) {
    if (!controllerOf(pod)) unmanaged.push(pod.metadata.name!);
    const scale = controllerOf(pod) ? scaleOf(pod) : undefined;
    if (scale) scales.set(scale.uid, scale.replicas);
    else standalone++;
  }
  let expected = standalone;
  for (const n of scales.values()) expected += n;
  return { expected, unmanaged };
}

/** getExpectedPodCount: expectedPods and desiredHealthy from minAvailable or maxUnavailable. */
export function expectedAndDesired(pdb: KubeObject, pods: Pod[], scaleOf: (pod: Pod) => Scale | undefined): { expected: number; desired: number; unmanaged: string[] } {
  const { maxUnavailable, minAvailable } = pdb.spec ?? {};
  if (maxUnavailable !== undefined && maxUnavailable !== null) {
    const { expected, unmanaged } = expectedScale(pods, scaleOf);
    return { expected, desired: Math.max(0, expected - scaledValue(maxUnavailable, expected, true)), unmanaged };
  }
  if (typeof minAvailable === "number") return { expected: pods.length, desired: minAvailable, unmanaged: [] };
  if (typeof minAvailable === "string") {
    const { expected, unmanaged } = expectedScale(pods, scaleOf);
    return { expected, desired: scaledValue(minAvailable, expected, true), unmanaged };
  }
  return { expected: 0, desired: 0, unmanaged: [] };
}

const ms = (t: string | null | undefined) => Date.parse(t ?? "");

/**
 * buildDisruptedPodMap: entries stay only for selected pods that are not yet deleting and were
 * evicted less than DELETION_TIMEOUT_MS ago. Returns the kept map, the pods whose entry timed
 * out (they were expected to go and did not) and when the next entry times out.
 */
export function keepDisruptedPods(pdb: KubeObject, pods: Pod[], now: Date): { disrupted: Record<string, string>; expired: string[]; recheckAt?: number } {
  const recorded: Record<string, string> = pdb.status?.disruptedPods ?? {};
  const disrupted: Record<string, string> = {};
  const expired: string[] = [];
  let recheckAt: number | undefined;
  for (const pod of pods) {
    const name = pod.metadata.name!;
    if (pod.metadata.deletionTimestamp || !(name in recorded)) continue;
    const deadline = ms(recorded[name]) + DELETION_TIMEOUT_MS;
    // A timestamp that does not parse is treated as expired rather than kept forever.
    if (!(deadline >= now.getTime())) {
      expired.push(name);
      continue;
    }
    disrupted[name] = recorded[name]!;
    if (recheckAt === undefined || deadline < recheckAt) recheckAt = deadline;
  }
  return { disrupted, expired, recheckAt };
}

/** countHealthyPods: ready, not deleting, and not just evicted. */
export function countHealthy(pods: Pod[], disrupted: Record<string, string>, now: Date): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disrupted[pod.metadata.name!];
    if (at !== undefined && ms(at) + DELETION_TIMEOUT_MS > now.getTime()) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

export interface BudgetNumbers {
  expected: number;
  desired: number;
  healthy: number;
  disrupted: Record<string, string>;
}

/**
 * The status to write, or undefined when the current one already says it (updatePdbStatus).
 * A budget that expects no pods allows no disruption: its first pods must not be evictable
 * before this controller has counted them.
 */
/** A budget's status, its conditions in the shape the shared condition helpers edit. */
export type BudgetStatus = Omit<PodDisruptionBudgetStatus, "conditions"> & { conditions?: StatusCondition[] };

export function nextStatus(pdb: KubeObject, n: BudgetNumbers, now: Date): BudgetStatus | undefined {
  const allowed = n.expected <= 0 ? 0 : Math.max(0, n.healthy - n.desired);
  const s = pdb.status ?? {};
  const generation = pdb.metadata.generation ?? 0;
  if (
    (s.currentHealthy ?? 0) === n.healthy &&
    (s.desiredHealthy ?? 0) === n.desired &&
    (s.expectedPods ?? 0) === n.expected &&
    (s.disruptionsAllowed ?? 0) === allowed &&
    Bun.deepEquals(s.disruptedPods ?? {}, n.disrupted) &&
    (s.observedGeneration ?? 0) === generation &&
    conditionsAreUpToDate(pdb)
  ) {
    return undefined;
  }
  const status: BudgetStatus = {
    observedGeneration: generation,
    ...(Object.keys(n.disrupted).length ? { disruptedPods: n.disrupted } : {}),
    disruptionsAllowed: allowed,
    currentHealthy: n.healthy,
    desiredHealthy: n.desired,
    expectedPods: n.expected,
    conditions: cloneObject(s.conditions ?? []),
  };
  updateDisruptionAllowedCondition(status, now);
  return status;
}

/**
 * failSafe: when the numbers cannot be computed, at least stop evictions — the rest of the
 * status stays as it was, the condition says why.
 */
export function failSafeStatus(pdb: KubeObject, error: string, now: Date): Partial<BudgetStatus> {
  const status: Partial<BudgetStatus> = cloneObject(pdb.status ?? {});
  status.disruptionsAllowed = 0;
  status.conditions ??= [];
  setStatusCondition(status.conditions, { type: DISRUPTION_ALLOWED, status: "False", reason: SYNC_FAILED, message: error, observedGeneration: status.observedGeneration ?? 0 }, now);
  return status;
}

/** Kubelet-set DisruptionTarget conditions are never stale: a node may take any time to act on them. */
const KUBELET_TERMINATION = "TerminationByKubelet";
export const STALE_DISRUPTION_MS = 2 * 60_000;

/**
 * nonTerminatingPodHasStaleDisruptionCondition: a pod marked DisruptionTarget that is neither
 * deleting nor finished was not disrupted after all. Returns ms until the mark counts as stale
 * (0: stale now), or undefined when there is nothing to clear.
 */
export function staleDisruptionIn(pod: Pod, now: Date): number | undefined {
  if (pod.metadata.deletionTimestamp) return undefined;
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return undefined;
  const cond = (pod.status?.conditions ?? []).find((c) => c.type === "DisruptionTarget");
  if (!cond || cond.status !== "True" || cond.reason === KUBELET_TERMINATION) return undefined;
  const since = ms(cond.lastTransitionTime);
  const left = Number.isFinite(since) ? since + STALE_DISRUPTION_MS - now.getTime() : 0;
  return Math.max(0, left);
}

/** The DisruptionTarget condition set back to False (reason and message cleared), as Kubernetes resets it. */
export function clearDisruptionTarget(pod: Pod, now: Date): void {
  const conditions: PodCondition[] = pod.status?.conditions ?? [];
  const i = conditions.findIndex((c) => c.type === "DisruptionTarget");
  if (i < 0) return;
  conditions[i] = { type: "DisruptionTarget", status: "False", lastProbeTime: conditions[i]!.lastProbeTime ?? null, lastTransitionTime: nowTimestamp(now) };
}

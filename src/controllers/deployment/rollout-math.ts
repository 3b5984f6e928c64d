/**
 * The numbers of a rolling update (kubernetes `pkg/controller/deployment/util`): maxSurge and
 * maxUnavailable resolved against replicas, the new ReplicaSet's next size, and how far the
 * old ones may shrink without dropping below minimum availability.
 */
import type { DeploymentStrategy } from "../../model/kinds.ts";

export interface RsView {
  name: string;
  replicas: number;
  available: number;
  /** Unix ms, for oldest-first ordering. */
  created: number;
}

/** An IntOrString: a number, or a percentage of `total` rounded up (surge) or down (unavailable). */
export function resolveIntOrPercent(v: number | string | undefined, total: number, roundUp: boolean, dflt: string): number {
  const x = v ?? dflt;
  if (typeof x === "number") return x;
  const m = /^(\d+)%$/.exec(x);
  if (!m) return Number(x) || 0;
  const raw = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

/** Kubernetes' ResolveFenceposts: both zero would deadlock, so unavailable becomes 1. */
export function surgeAndUnavailable(strategy: DeploymentStrategy | undefined, replicas: number): { maxSurge: number; maxUnavailable: number } {
  const ru = strategy?.rollingUpdate ?? {};
  const maxSurge = resolveIntOrPercent(ru.maxSurge, replicas, true, "25%");
  let maxUnavailable = resolveIntOrPercent(ru.maxUnavailable, replicas, false, "25%");
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** The new ReplicaSet's size for this step of a rolling update. */
export function newRsReplicas(replicas: number, maxSurge: number, newRs: RsView, all: RsView[]): number {
  const total = all.reduce((n, r) => n + r.replicas, 0);
  const maxTotal = replicas + maxSurge;
  if (total >= maxTotal) return newRs.replicas;
  return Math.min(newRs.replicas + (maxTotal - total), replicas);
}

/**
 * How much each old ReplicaSet shrinks now: first the unhealthy replicas (they add nothing to
 * availability), then oldest first, never taking availability below replicas − maxUnavailable.
 */
export function oldRsScaleDowns(replicas: number, maxUnavailable: number, newRs: RsView, old: RsView[]): Map<string, number> {
  const out = new Map<string, number>();
  const all = [newRs, ...old];
  const allPods = all.reduce((n, r) => n + r.replicas, 0);
  const minAvailable = replicas - maxUnavailable;
  const newUnavailable = newRs.replicas - newRs.available;
  let budget = allPods - minAvailable - newUnavailable;
  if (budget <= 0) return out;
  const byAge = [...old].sort((a, b) => a.created - b.created);
  const sizes = new Map(old.map((r) => [r.name, r.replicas]));
  for (const r of byAge) {
    if (budget <= 0) break;
    const unhealthy = r.replicas - r.available;
    if (unhealthy <= 0 || r.replicas === 0) continue;
    const n = Math.min(unhealthy, budget);
    sizes.set(r.name, r.replicas - n);
    budget -= n;
  }
  // Then healthy ones, as long as availability stays at the minimum.
  const available = all.reduce((n, r) => n + r.available, 0);
  let canDrop = available - minAvailable;
  for (const r of byAge) {
    if (canDrop <= 0) break;
    const cur = sizes.get(r.name)!;
    if (cur === 0) continue;
    const n = Math.min(cur, canDrop);
    sizes.set(r.name, cur - n);
    canDrop -= n;
  }
  for (const r of old) if (sizes.get(r.name)! !== r.replicas) out.set(r.name, sizes.get(r.name)!);
  return out;
}

/**
 * Proportional scaling while several ReplicaSets are active (a scale during a rollout): the
 * change is spread by size, the rounding rest goes to the largest (then newest) one.
 */
export function proportionalSizes(target: number, active: RsView[]): Map<string, number> {
  const total = active.reduce((n, r) => n + r.replicas, 0);
  const out = new Map<string, number>();
  if (total === 0 || active.length === 0) return out;
  let assigned = 0;
  for (const r of active) {
    const share = Math.floor((r.replicas * target) / total);
    out.set(r.name, share);
    assigned += share;
  }
  const order = [...active].sort((a, b) => b.replicas - a.replicas || b.created - a.created);
  for (let i = 0; assigned < target; i = (i + 1) % order.length) {
    out.set(order[i]!.name, out.get(order[i]!.name)! + 1);
    assigned++;
  }
  return out;
}

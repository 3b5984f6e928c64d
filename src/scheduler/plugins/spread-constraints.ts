/**
 * Topology spread constraints as PodTopologySpread reads them: the pod's own constraints
 * with one whenUnsatisfiable action, or — when it has none — the system defaults (spread by
 * hostname, maxSkew 3, and by zone, maxSkew 5, ScheduleAnyway) over the selector of the
 * services and controller that select the pod. matchLabelKeys are folded into the selector.
 */
import type { Pod } from "../../model/kinds.ts";
import type { NodeInfo, PodInfo, Selector, Snapshot } from "../types.ts";
import { compileSelector, selectorMatches, withLabelKeys } from "../selector.ts";
import { matchesRequiredNodeAffinity } from "../../model/node-selector.ts";
import { tolerates } from "../../model/taints.ts";

export const HOSTNAME = "kubernetes.io/hostname";
export const ZONE = "topology.kubernetes.io/zone";

export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: Selector;
  minDomains: number;
  /** nodeAffinityPolicy Honor (default) / nodeTaintsPolicy Honor (default Ignore). */
  honorNodeAffinity: boolean;
  honorNodeTaints: boolean;
}

export function constraintsOf(pod: PodInfo, action: "DoNotSchedule" | "ScheduleAnyway", snapshot: Snapshot): { constraints: Constraint[]; systemDefaulted: boolean } {
  const own = pod.pod.spec?.topologySpreadConstraints;
  if (Array.isArray(own) && own.length) {
    const constraints = own
      .filter((c) => c?.whenUnsatisfiable === action)
      .map((c) => ({
        maxSkew: Number(c.maxSkew ?? 1),
        topologyKey: String(c.topologyKey ?? ""),
        selector: withLabelKeys(compileSelector(c.labelSelector), pod.labels, c.matchLabelKeys),
        minDomains: Number(c.minDomains ?? 1),
        honorNodeAffinity: (c.nodeAffinityPolicy ?? "Honor") === "Honor",
        honorNodeTaints: (c.nodeTaintsPolicy ?? "Ignore") === "Honor",
      }));
    return { constraints, systemDefaulted: false };
  }
  if (action !== "ScheduleAnyway") return { constraints: [], systemDefaulted: true };
  const selector = snapshot.defaultSpreadSelector?.(pod);
  if (!selector || selector.nothing || selector.reqs.length === 0) return { constraints: [], systemDefaulted: true };
  const base = { selector, minDomains: 1, honorNodeAffinity: true, honorNodeTaints: false };
  return { constraints: [{ ...base, maxSkew: 3, topologyKey: HOSTNAME }, { ...base, maxSkew: 5, topologyKey: ZONE }], systemDefaulted: true };
}

export function hasAllKeys(info: NodeInfo, constraints: Constraint[]): boolean {
  for (const c of constraints) if (!(c.topologyKey in info.labels)) return false;
  return true;
}

/** Whether the node's pods count toward this constraint (nodeAffinityPolicy / nodeTaintsPolicy). */
export function nodeIncluded(c: Constraint, pod: Pod, info: NodeInfo): boolean {
  if (!info.node) return false;
  if (c.honorNodeAffinity && !matchesRequiredNodeAffinity(pod, info.node)) return false;
  if (c.honorNodeTaints) {
    const tolerations = pod.spec?.tolerations ?? [];
    for (const t of info.taints) if ((t.effect === "NoSchedule" || t.effect === "NoExecute") && !tolerates(tolerations, t)) return false;
  }
  return true;
}

/** Pods on the node in the pod's namespace matching the selector; terminating pods do not count. */
export function countMatching(info: NodeInfo, selector: Selector, namespace: string): number {
  let n = 0;
  for (const p of info.pods) {
    if (p.namespace !== namespace || p.pod.metadata.deletionTimestamp) continue;
    if (selectorMatches(selector, p.labels)) n++;
  }
  return n;
}

/**
 * Preemption, as kube-scheduler's DefaultPreemption plugin decides it for a pod that fits no
 * node: on each node that failed only for reasons evicting pods could mend, take off every
 * pod of lower priority; if the pod fits then, give back as many of them as still leave it
 * room, most important first (higher priority, then running longer); the rest are victims.
 * Pods whose eviction would break a PodDisruptionBudget are given back before the others.
 * Of the nodes that work, the one whose victims matter least wins: the fewest budgets broken,
 * then the lowest highest priority among them, then the smallest sum of priorities, then the
 * fewest victims, then the victims that started last. While the victims go, the preemptor
 * holds its room (schedule-one.ts counts nominated pods on their node).
 */
import type { KubeObject } from "../model/object.ts";
import { podPriority } from "../model/priority-classes.ts";
import { compileSelector, selectorMatches } from "./selector.ts";
import { addPod, copyNodeInfo, removePod } from "./node-info.ts";
import { filterNode } from "./schedule-one.ts";
import type { Diagnosis } from "./fit-error.ts";
import type { NodeInfo, PodInfo, Profile, Snapshot } from "./types.ts";

export interface PreemptionPlan {
  node: string;
  victims: PodInfo[];
  /** How many victims break a PodDisruptionBudget. */
  violations: number;
}

/** At most this many candidate nodes are worked through (kube-scheduler's minCandidateNodesAbsolute). */
const MAX_CANDIDATES = 100;

/** The node to make room on and the pods to evict there, or undefined when evictions cannot help. */
export function planPreemption(pod: PodInfo, snapshot: Snapshot, profile: Profile, diagnosis: Diagnosis): PreemptionPlan | undefined {
  const priority = podPriority(pod.pod);
  const names = diagnosis.failedNodes ?? [];
  const plans: PreemptionPlan[] = [];
  for (let i = 0; i < names.length && plans.length < MAX_CANDIDATES; i++) {
    if (diagnosis.failures[i]?.unresolvable) continue;
    const info = snapshot.get(names[i]!);
    if (!info) continue;
    const plan = victimsOn(pod, priority, info, snapshot, profile);
    if (plan) plans.push(plan);
  }
  return plans.sort(byLeastHarm)[0];
}

/** The fewest lower-priority pods whose leaving lets the pod fit on `info`; undefined if none do. */
function victimsOn(pod: PodInfo, priority: number, info: NodeInfo, snapshot: Snapshot, profile: Profile): PreemptionPlan | undefined {
  const lower = info.pods.filter((p) => podPriority(p.pod) < priority && !p.pod.metadata.deletionTimestamp);
  if (!lower.length) return undefined;
  const copy = copyNodeInfo(info);
  const view = withNode(snapshot, copy);
  for (const p of lower) removePod(copy, p);
  if (filterNode(pod, view, profile, copy)) return undefined;
  const { breaking, sparing } = splitByBudgets(lower.sort(moreImportantFirst), snapshot);
  const victims: PodInfo[] = [];
  let violations = 0;
  // Those that would break a budget are given back first: evicted only if nothing else makes room.
  for (const [group, breaks] of [[breaking, true], [sparing, false]] as const) {
    for (const p of group) {
      addPod(copy, p);
      if (!filterNode(pod, view, profile, copy)) continue;
      removePod(copy, p);
      victims.push(p);
      if (breaks) violations++;
    }
  }
  return victims.length ? { node: info.name, victims, violations } : undefined;
}

/**
 * The pods (most important first) whose eviction, counted in that order, would take a
 * PodDisruptionBudget below what it allows (status.disruptionsAllowed), and the rest.
 */
function splitByBudgets(pods: PodInfo[], snapshot: Snapshot): { breaking: PodInfo[]; sparing: PodInfo[] } {
  const breaking: PodInfo[] = [];
  const sparing: PodInfo[] = [];
  const left = new Map<KubeObject, number>();
  for (const p of pods) {
    let breaks = false;
    for (const pdb of snapshot.disruptionBudgets?.(p.namespace) ?? []) {
      if (!selectorMatches(compileSelector(pdb.spec?.selector), p.labels)) continue;
      // Already counted by the disruption controller as on its way out.
      if (pdb.status?.disruptedPods && p.pod.metadata.name! in pdb.status.disruptedPods) continue;
      const allowed = (left.get(pdb) ?? Number(pdb.status?.disruptionsAllowed ?? 0)) - 1;
      left.set(pdb, allowed);
      if (allowed < 0) breaks = true;
    }
    (breaks ? breaking : sparing).push(p);
  }
  return { breaking, sparing };
}

/** The snapshot with `info` standing in for the node of its name. */
function withNode(s: Snapshot, info: NodeInfo): Snapshot {
  const nodes = s.nodes.map((n) => (n.name === info.name ? info : n));
  return {
    ...s,
    nodes,
    get: (name) => (name === info.name ? info : s.get(name)),
    nodesWithAffinityPods: () => nodes.filter((n) => n.podsWithAffinity.length),
    nodesWithRequiredAntiAffinityPods: () => nodes.filter((n) => n.podsWithRequiredAntiAffinity.length),
  };
}

const startedMs = (p: PodInfo) => Date.parse(p.pod.status?.startTime ?? p.pod.metadata.creationTimestamp ?? "") || 0;

/** util.MoreImportantPod: higher priority first, then the one running longer. */
function moreImportantFirst(a: PodInfo, b: PodInfo): number {
  return podPriority(b.pod) - podPriority(a.pod) || startedMs(a) - startedMs(b);
}

function byLeastHarm(a: PreemptionPlan, b: PreemptionPlan): number {
  const highest = (p: PreemptionPlan) => Math.max(...p.victims.map((v) => podPriority(v.pod)));
  const sum = (p: PreemptionPlan) => p.victims.reduce((s, v) => s + podPriority(v.pod), 0);
  const latestStart = (p: PreemptionPlan) => Math.max(...p.victims.map(startedMs));
  return a.violations - b.violations || highest(a) - highest(b) || sum(a) - sum(b) || a.victims.length - b.victims.length || latestStart(b) - latestStart(a) || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);
}

/**
 * Scheduling one pod, as a pure decision over a snapshot (Kubernetes' schedulePod):
 * PreFilter once; Filter nodes starting at `start` (round-robin across cycles) until enough
 * feasible ones are found (numFeasibleNodesToFind); PreScore, Score, NormalizeScore × weight
 * for the feasible ones; the highest total wins (ties by node name, so results reproduce).
 * When nothing fits, the reasons become the FailedScheduling message.
 */
import { fitErrorMessage, type Diagnosis } from "./fit-error.ts";
import { numFeasibleNodesToFind } from "./num-feasible.ts";
import { SKIP, type CycleState, type FilterFailure, type NodeInfo, type Plugin, type PodInfo, type Profile, type Snapshot } from "./types.ts";
import { addPod, copyNodeInfo } from "./node-info.ts";
import { podPriority } from "../model/priority-classes.ts";

export type Decision =
  | { node: string; score: number; evaluated: number; feasible: number }
  | { unschedulable: string; evaluated: number; diagnosis: Diagnosis };

export interface ScheduleOptions {
  /** Index of the first node to evaluate (the scheduler advances it by `evaluated`). */
  start?: number;
  /** percentageOfNodesToScore; 0 = adaptive. */
  percentageOfNodesToScore?: number;
}

/** PreFilter once: the filters to run on each node, or the failure that rejects the pod outright. */
function preFilter(cycle: CycleState, profile: Profile): Plugin[] | FilterFailure {
  const filters: Plugin[] = [];
  for (const p of profile.filters) {
    if (!p.preFilter) {
      if (p.filter) filters.push(p);
      continue;
    }
    const r = p.preFilter(cycle);
    if (r === SKIP) continue;
    if (r) return r;
    if (p.filter) filters.push(p);
  }
  return filters;
}

/**
 * Whether the pod passes every filter on `info`, judged over `snapshot` (which holds `info`
 * in place of the node's own: preemption asks with victims taken off a copy). Undefined = fits.
 */
export function filterNode(pod: PodInfo, snapshot: Snapshot, profile: Profile, info: NodeInfo): FilterFailure | undefined {
  const cycle: CycleState = { pod, snapshot, data: new Map() };
  const filters = preFilter(cycle, profile);
  if (!Array.isArray(filters)) return filters;
  for (const f of filters) {
    const failure = f.filter!(cycle, info);
    if (failure) return failure;
  }
  return undefined;
}

export function scheduleOne(pod: PodInfo, snapshot: Snapshot, profile: Profile, opts: ScheduleOptions = {}): Decision {
  const cycle: CycleState = { pod, snapshot, data: new Map() };
  const nodes = snapshot.nodes;
  const n = nodes.length;

  const filters = preFilter(cycle, profile);
  if (!Array.isArray(filters)) {
    const diagnosis: Diagnosis = { numAllNodes: n, failures: [], failedNodes: [], preFilterMsg: filters.reasons.join(", ") };
    return { unschedulable: fitErrorMessage(diagnosis), evaluated: 0, diagnosis };
  }

  const want = numFeasibleNodesToFind(n, opts.percentageOfNodesToScore);
  const feasible: NodeInfo[] = [];
  const failures: FilterFailure[] = [];
  const failedNodes: string[] = [];
  const start = n ? (opts.start ?? 0) % n : 0;
  let evaluated = 0;
  for (; evaluated < n && feasible.length < want; evaluated++) {
    const info = nodes[(start + evaluated) % n]!;
    const held = withNominated(pod, info, snapshot);
    let failure: FilterFailure | undefined;
    for (const f of filters) {
      failure = f.filter!(cycle, held);
      if (failure) break;
    }
    if (failure) {
      failures.push(failure);
      failedNodes.push(info.name);
    } else feasible.push(info);
  }

  if (!feasible.length) {
    const diagnosis: Diagnosis = { numAllNodes: n, failures, failedNodes };
    return { unschedulable: fitErrorMessage(diagnosis), evaluated, diagnosis };
  }
  if (feasible.length === 1) return { node: feasible[0]!.name, score: 0, evaluated, feasible: 1 };

  const totals = new Array<number>(feasible.length).fill(0);
  const scores = new Array<number>(feasible.length);
  for (const { plugin, weight } of profile.scores) {
    if (!plugin.score) continue;
    if (plugin.preScore?.(cycle, feasible) === SKIP) continue;
    for (let i = 0; i < feasible.length; i++) scores[i] = plugin.score(cycle, feasible[i]!);
    plugin.normalize?.(cycle, scores, feasible);
    for (let i = 0; i < feasible.length; i++) totals[i]! += scores[i]! * weight;
  }
  let best = 0;
  for (let i = 1; i < feasible.length; i++) {
    if (totals[i]! > totals[best]! || (totals[i] === totals[best] && feasible[i]!.name < feasible[best]!.name)) best = i;
  }
  return { node: feasible[best]!.name, score: totals[best]!, evaluated, feasible: feasible.length };
}

/**
 * The node as the pod must find room on it: with the pods nominated there of at least its
 * priority counted as placed (kube-scheduler's addNominatedPods), so that a pod does not take
 * the room a preemptor made for itself while the preemptor's victims are still leaving.
 */
function withNominated(pod: PodInfo, info: NodeInfo, snapshot: Snapshot): NodeInfo {
  const nominated = snapshot.nominatedPods?.(info.name);
  if (!nominated?.length) return info;
  const priority = podPriority(pod.pod);
  const holding = nominated.filter((p) => p.key !== pod.key && podPriority(p.pod) >= priority);
  if (!holding.length) return info;
  const copy = copyNodeInfo(info);
  for (const p of holding) addPod(copy, p);
  return copy;
}

/** A snapshot over a fixed list of NodeInfos (tests, and the cache's view). */
export function staticSnapshot(nodes: NodeInfo[], namespaceLabels: Record<string, Record<string, string>> = {}, extra: Partial<Snapshot> = {}): Snapshot {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  return {
    nodes,
    nodesWithAffinityPods: () => nodes.filter((n) => n.podsWithAffinity.length),
    nodesWithRequiredAntiAffinityPods: () => nodes.filter((n) => n.podsWithRequiredAntiAffinity.length),
    get: (name) => byName.get(name),
    namespaceLabels: (ns) => namespaceLabels[ns],
    ...extra,
  };
}

/**
 * NodeResourcesFit: requests must fit in what the node has left (Filter, naming every
 * resource that is short), and a scoring strategy — least-allocated spreads pods (the
 * default profile), most-allocated packs them (the binpack profile). Scores use requests with
 * Kubernetes' defaults for containers that request nothing (100m cpu, 200Mi memory), cpu and
 * memory weighted equally.
 */
import { MAX_NODE_SCORE, type FilterFailure, type NodeInfo, type Plugin, type PodInfo } from "../types.ts";

export const NAME = "NodeResourcesFit";

export function fitsRequest(pod: PodInfo, info: NodeInfo): FilterFailure | undefined {
  const reasons: string[] = [];
  if (info.requested.pods + 1 > info.allocatable.pods) reasons.push("Too many pods");
  const r = pod.requests;
  if (r.cpu > 0 && r.cpu > info.allocatable.cpu - info.requested.cpu) reasons.push("Insufficient cpu");
  if (r.memory > 0 && r.memory > info.allocatable.memory - info.requested.memory) reasons.push("Insufficient memory");
  return reasons.length ? { reasons } : undefined;
}

const leastRequested = (requested: number, capacity: number) =>
  capacity === 0 || requested > capacity ? 0 : Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);

const mostRequested = (requested: number, capacity: number) =>
  capacity === 0 ? 0 : Math.trunc((Math.min(requested, capacity) * MAX_NODE_SCORE) / capacity);

function strategy(name: string, per: (requested: number, capacity: number) => number): Plugin {
  return {
    name,
    filter: (cycle, info) => fitsRequest(cycle.pod, info),
    score(cycle, info) {
      const p = cycle.pod.nonZero;
      const cpu = per(info.nonZeroRequested.cpu + p.cpu, info.allocatable.cpu);
      const memory = per(info.nonZeroRequested.memory + p.memory, info.allocatable.memory);
      return Math.trunc((cpu + memory) / 2);
    },
  };
}

/** Filter plus the LeastAllocated score (the default). */
export const nodeResourcesFit = strategy(NAME, leastRequested);
/** Filter plus the MostAllocated score (binpack). */
export const nodeResourcesFitMostAllocated = strategy(NAME, mostRequested);

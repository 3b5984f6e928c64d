/**
 * NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory would be used in the
 * same proportion after placing the pod (score = (1 − std of the fractions) × 100). Pods that
 * request nothing are not scored by it.
 */
import { MAX_NODE_SCORE, SKIP, type Plugin } from "../types.ts";

export const NAME = "NodeResourcesBalancedAllocation";

export const balancedAllocation: Plugin = {
  name: NAME,
  preScore: (cycle) => (cycle.pod.requests.cpu === 0 && cycle.pod.requests.memory === 0 ? SKIP : undefined),
  score(cycle, info) {
    const fractions: number[] = [];
    const add = (requested: number, capacity: number) => {
      if (capacity > 0) fractions.push(Math.min(1, requested / capacity));
    };
    add(info.requested.cpu + cycle.pod.requests.cpu, info.allocatable.cpu);
    add(info.requested.memory + cycle.pod.requests.memory, info.allocatable.memory);
    const std = fractions.length === 2 ? Math.abs((fractions[0]! - fractions[1]!) / 2) : 0;
    return Math.trunc((1 - std) * MAX_NODE_SCORE);
  },
};

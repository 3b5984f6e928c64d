/**
 * NodeResourcesFit's scoring strategies: least-allocated spreads pods (the default), most-
 * allocated packs them (`--scheduler-profile binpack`). Score 0–100 from cpu and memory after
 * placing the pod, equally weighted.
 */
import type { NodeInfo, ScorePlugin } from "../types.ts";
import { podRequests } from "../node-info.ts";
import type { KubeObject } from "../../model/object.ts";

function fractions(pod: KubeObject, info: NodeInfo): number[] {
  const r = podRequests(pod);
  const out: number[] = [];
  const pairs: [bigint, bigint][] = [
    [info.requested.cpu + r.cpu, info.allocatable.cpu],
    [info.requested.memory + r.memory, info.allocatable.memory],
  ];
  for (const [used, cap] of pairs) out.push(cap > 0n ? Math.min(1, Number(used) / Number(cap)) : 1);
  return out;
}

export const leastAllocated = {
  name: "LeastAllocated",
  score(pod, info) {
    const f = fractions(pod, info);
    return Math.round((f.reduce((a, x) => a + (1 - x), 0) / f.length) * 100);
  },
} satisfies ScorePlugin;

export const mostAllocated = {
  name: "MostAllocated",
  score(pod, info) {
    const f = fractions(pod, info);
    return Math.round((f.reduce((a, x) => a + x, 0) / f.length) * 100);
  },
} satisfies ScorePlugin;

/** Requests must fit in what the node has left (allocatable minus what its pods request). */
import type { FilterPlugin } from "../types.ts";
import { podRequests } from "../node-info.ts";

export const NAME = "NodeResourcesFit";

export const nodeResourcesFit = {
  name: NAME,
  filter(pod, info) {
    const r = podRequests(pod);
    if (info.requested.pods + 1 > info.allocatable.pods) return "Too many pods";
    if (r.cpu > 0n && info.requested.cpu + r.cpu > info.allocatable.cpu) return "Insufficient cpu";
    if (r.memory > 0n && info.requested.memory + r.memory > info.allocatable.memory) return "Insufficient memory";
    return undefined;
  },
} satisfies FilterPlugin;

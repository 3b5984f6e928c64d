/**
 * The profiles. Filters run in Kubernetes' default order; scores carry the 1.32 default
 * weights (TaintToleration 3, NodeAffinity 2, PodTopologySpread 2, InterPodAffinity 2,
 * NodeResourcesFit 1, NodeResourcesBalancedAllocation 1; ImageLocality is not implemented).
 * `binpack` is the default with NodeResourcesFit scoring most-allocated instead of least.
 */
import type { Profile } from "../types.ts";
import { nodeUnschedulable } from "./node-unschedulable.ts";
import { nodeName } from "./node-name.ts";
import { nodeAffinity } from "./node-affinity.ts";
import { taintToleration } from "./taint-toleration.ts";
import { nodeResourcesFit, nodeResourcesFitMostAllocated } from "./node-resources-fit.ts";
import { nodePorts } from "./node-ports.ts";
import { balancedAllocation } from "./balanced-allocation.ts";
import { interPodAffinity } from "./inter-pod-affinity.ts";
import { interPodAffinityScore } from "./inter-pod-affinity-score.ts";
import { podTopologySpread } from "./pod-topology-spread.ts";
import { podTopologySpreadScore } from "./pod-topology-spread-score.ts";
import { volumeBinding } from "./volume-binding.ts";

function profile(name: string, fit: typeof nodeResourcesFit): Profile {
  return {
    name,
    filters: [nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodePorts, fit, volumeBinding, podTopologySpread, interPodAffinity],
    scores: [
      { plugin: taintToleration, weight: 3 },
      { plugin: nodeAffinity, weight: 2 },
      { plugin: fit, weight: 1 },
      { plugin: podTopologySpreadScore, weight: 2 },
      { plugin: interPodAffinityScore, weight: 2 },
      { plugin: balancedAllocation, weight: 1 },
    ],
  };
}

export const PROFILES: Record<string, Profile> = {
  default: profile("default", nodeResourcesFit),
  binpack: profile("binpack", nodeResourcesFitMostAllocated),
};

export const PROFILE_NAMES = Object.keys(PROFILES);

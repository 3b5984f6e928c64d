/** The plugin registry and the two profiles. */
import type { FilterPlugin, ScorePlugin } from "../types.ts";
import { nodeUnschedulable } from "./node-unschedulable.ts";
import { nodeName } from "./node-name.ts";
import { nodeAffinity } from "./node-affinity.ts";
import { taintToleration } from "./taint-toleration.ts";
import { nodeResourcesFit } from "./node-resources-fit.ts";
import { nodePorts } from "./node-ports.ts";
import { leastAllocated, mostAllocated } from "./allocation-score.ts";

export const FILTERS: FilterPlugin[] = [nodeUnschedulable, nodeName, nodeAffinity, taintToleration, nodePorts, nodeResourcesFit];

export const PROFILES: Record<string, { filters: FilterPlugin[]; scores: ScorePlugin[] }> = {
  default: { filters: FILTERS, scores: [leastAllocated] },
  binpack: { filters: FILTERS, scores: [mostAllocated] },
};

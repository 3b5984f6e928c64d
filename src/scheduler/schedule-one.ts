/**
 * Scheduling one pod, as a pure decision: filter every node, score the ones that fit, pick the
 * best (ties broken by name, so the result is reproducible). When nothing fits, the reasons
 * are counted per reason, in the FailedScheduling form Kubernetes uses:
 * `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {…}.`
 */
import type { KubeObject } from "../model/object.ts";
import type { FilterPlugin, NodeInfo, ScorePlugin } from "./types.ts";

export type Decision = { node: string; score: number } | { unschedulable: string };

export function scheduleOne(pod: KubeObject, nodes: NodeInfo[], profile: { filters: FilterPlugin[]; scores: ScorePlugin[] }): Decision {
  const reasons = new Map<string, number>();
  let best: { node: string; score: number } | undefined;
  for (const info of nodes) {
    let reason: string | undefined;
    for (const f of profile.filters) {
      reason = f.filter(pod, info);
      if (reason) break;
    }
    if (reason) {
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      continue;
    }
    const score = profile.scores.reduce((sum, s) => sum + s.score(pod, info), 0);
    const name = info.node.metadata.name!;
    if (!best || score > best.score || (score === best.score && name < best.node)) best = { node: name, score };
  }
  if (best) return best;
  const parts = [...reasons].sort(([a], [b]) => (a < b ? -1 : 1)).map(([r, n]) => `${n} ${r}`);
  return { unschedulable: `0/${nodes.length} nodes are available${parts.length ? `: ${parts.join(", ")}` : ""}.` };
}

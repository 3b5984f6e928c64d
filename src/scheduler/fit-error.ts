/**
 * The FailedScheduling message, as kube-scheduler 1.32 words it (FitError.Error): reasons
 * counted per node, "count reason" strings sorted as strings, then what preemption would say
 * — nodes failing only for reasons eviction could fix find no victims (when the scheduler
 * preempts, it is not told unschedulable), the rest are "not helpful":
 *   `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {a: b}.
 *    preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.`
 */
import type { FilterFailure } from "./types.ts";

export interface Diagnosis {
  numAllNodes: number;
  /** Why each rejected node was rejected. */
  failures: FilterFailure[];
  /** The rejected nodes' names, in the order of `failures`. */
  failedNodes?: string[];
  /** A PreFilter that rejected the pod outright. */
  preFilterMsg?: string;
}

const histogram = (counts: Map<string, number>) => [...counts].map(([reason, n]) => `${n} ${reason}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export function fitErrorMessage(d: Diagnosis): string {
  const head = `0/${d.numAllNodes} nodes are available`;
  let msg = `${head}:`;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const reasons = new Map<string, number>();
    for (const f of d.failures) for (const r of f.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
    if (reasons.size) msg += ` ${histogram(reasons).join(", ")}.`;
  }
  const preemption = new Map<string, number>();
  if (d.preFilterMsg) preemption.set("Preemption is not helpful for scheduling", d.numAllNodes);
  else {
    for (const f of d.failures) {
      const r = f.unresolvable ? "Preemption is not helpful for scheduling" : "No preemption victims found for incoming pod";
      preemption.set(r, (preemption.get(r) ?? 0) + 1);
    }
  }
  if (preemption.size) msg += ` preemption: ${head}: ${histogram(preemption).join(", ")}.`;
  return msg;
}

/**
 * Carrying out a preemption plan as kube-scheduler does: each victim gets the
 * `DisruptionTarget` condition (reason PreemptionByScheduler) and an Event saying who
 * preempted it, and is deleted with its grace period; the preemptor is nominated to the node
 * (status.nominatedNodeName) and told it is still unschedulable. It is bound once its victims
 * are gone, when the scheduler tries it again.
 */
import { isStatusError } from "../model/errors.ts";
import type { Pod } from "../model/kinds.ts";
import { nowTimestamp } from "../model/object.ts";
import type { ControllerContext } from "../controllers/framework/context.ts";
import type { ResourceDef } from "../api/resources/types.ts";
import type { PreemptionPlan } from "./preemption.ts";
import { log } from "../log.ts";

export interface PreemptDeps {
  ctx: ControllerContext;
  podDef: ResourceDef;
  schedulerName: string;
  /** Writes PodScheduled=False with the message (and whatever `also` sets on the status). */
  markUnschedulable(pod: Pod, message: string, also?: (status: Record<string, unknown>) => void): Promise<void>;
}

export async function preemptVictims(d: PreemptDeps, pod: Pod, plan: PreemptionPlan, message: string): Promise<void> {
  const { storage } = d.ctx;
  await Promise.all(plan.victims.map(async ({ pod: victim }) => {
    const ns = victim.metadata.namespace!;
    const name = victim.metadata.name!;
    try {
      await storage.update(d.podDef, ns, name, (cur) => {
        if (cur.metadata.uid !== victim.metadata.uid) return cur;
        const status = (cur.status ??= {});
        const conditions = Array.isArray(status.conditions) ? status.conditions.filter((c: { type?: string }) => c?.type !== "DisruptionTarget") : [];
        status.conditions = [...conditions, { type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler", message: `${d.schedulerName}: preempting to accommodate a higher priority pod`, lastTransitionTime: nowTimestamp() }];
        return cur;
      }, { subresource: "status" });
      await storage.delete(d.podDef, ns, name, { preconditions: { uid: victim.metadata.uid } });
    } catch (e) {
      // Gone already, or replaced by a pod of the same name: nothing of ours to evict.
      if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) log.warn("preemption: evicting a victim failed", { victim: `${ns}/${name}`, error: String(e) });
      return;
    }
    void d.ctx.events.record(victim, "Normal", "Preempted", `Preempted by pod ${pod.metadata.uid} on node ${plan.node}`, d.schedulerName);
  }));
  await d.markUnschedulable(pod, message, (status) => (status.nominatedNodeName = plan.node));
}

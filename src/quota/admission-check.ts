/**
 * The admission decision for one create, as apiserver's CheckRequest makes it, without I/O:
 * first every covering quota's requirements (a pod must state cpu/memory a quota tracks),
 * then, given each quota's current usage, whether the new object still fits. Messages are
 * Kubernetes' own, which users and scripts match on.
 */
import type { KubeObject } from "../model/object.ts";
import { addLists, exceeding, formatList, maskList, removeZeros, type ResourceList } from "./resource-list.ts";
import type { UsageEvaluator } from "./types.ts";
import { hardOf, quotaCovers } from "./usage.ts";

export interface Charge {
  quota: KubeObject;
  hard: ResourceList;
  /** What the new object adds to the quota's limited resources (zeros left out). */
  requested: ResourceList;
}

/** The quotas the object will be charged against, or the `failed quota: …` reason it may not be. */
export function planCharges(quotas: KubeObject[], ev: UsageEvaluator, obj: KubeObject, now: Date): { charges: Charge[] } | { error: string } {
  const covering = quotas.filter((q) => quotaCovers(q, ev, obj));
  for (const q of covering) {
    const required = ev.matchingResources(hardOf(q).keys());
    const why = ev.constraints(required, obj);
    if (why) return { error: `failed quota: ${q.metadata.name}: ${why}` };
  }
  const usage = ev.usage(obj, now);
  const charges: Charge[] = [];
  for (const quota of covering) {
    const hard = hardOf(quota);
    const requested = removeZeros(maskList(usage, hard.keys()));
    if (requested.size) charges.push({ quota, hard, requested });
  }
  return { charges };
}

/** The `exceeded quota: …` reason when used + requested passes hard, else undefined. */
export function exceededReason(charge: Charge, used: ResourceList): string | undefined {
  const after = maskList(addLists(used, charge.requested), charge.requested.keys());
  const over = exceeding(after, charge.hard);
  if (over.length === 0) return undefined;
  return `exceeded quota: ${charge.quota.metadata.name}, requested: ${formatList(maskList(charge.requested, over))}, used: ${formatList(maskList(used, over))}, limited: ${formatList(maskList(charge.hard, over))}`;
}

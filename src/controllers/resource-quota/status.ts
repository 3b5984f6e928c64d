/**
 * A ResourceQuota's status, computed from the objects in its namespace: `hard` repeats
 * `spec.hard` and `used` has one entry per hard resource — zero for names that nothing
 * counts toward, as the Kubernetes controller reports them.
 */
import type { KubeObject } from "../../model/object.ts";
import { Quantity } from "../../model/quantity.ts";
import { listToJSON, type ResourceList } from "../../quota/resource-list.ts";
import { evaluatorFor, kindForResourceName, type KindRef } from "../../quota/registry.ts";
import { hardOf, quotaUsed } from "../../quota/usage.ts";

export interface QuotaStatus {
  hard: Record<string, string>;
  used: Record<string, string>;
}

/** The kinds whose objects a quota counts, one entry per kind. */
export function kindsCounted(quota: KubeObject): KindRef[] {
  const out = new Map<string, KindRef>();
  for (const name of hardOf(quota).keys()) {
    const kind = kindForResourceName(name);
    if (kind && evaluatorFor(kind.group, kind.plural)) out.set(`${kind.plural}.${kind.group}`, kind);
  }
  return [...out.values()];
}

/** `objectsOf` gives the namespace's objects of a kind, or undefined when the kind is not served. */
export function quotaStatus(quota: KubeObject, objectsOf: (kind: KindRef) => KubeObject[] | undefined, now: Date): QuotaStatus {
  const hard = hardOf(quota);
  const used: ResourceList = new Map([...hard.keys()].map((n) => [n, Quantity.zero()]));
  for (const kind of kindsCounted(quota)) {
    const objects = objectsOf(kind);
    if (!objects) continue;
    for (const [name, q] of quotaUsed(quota, evaluatorFor(kind.group, kind.plural)!, objects, now)) used.set(name, q);
  }
  return { hard: listToJSON(hard), used: listToJSON(used) };
}

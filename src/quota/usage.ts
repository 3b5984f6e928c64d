/**
 * A quota's usage from the objects it covers (CalculateUsageStats): objects in its scopes
 * each add what they use of the resources the quota limits. Admission and the controller
 * both compute `used` this way, from live objects, so they never disagree.
 */
import type { KubeObject } from "../model/object.ts";
import { Quantity } from "../model/quantity.ts";
import { addLists, maskList, parseResourceList, type ResourceList } from "./resource-list.ts";
import type { ScopeRequirement, UsageEvaluator } from "./types.ts";

/** `spec.scopes` (each as an Exists requirement) followed by `spec.scopeSelector.matchExpressions`. */
export function scopesOf(quota: KubeObject): ScopeRequirement[] {
  const out: ScopeRequirement[] = [];
  for (const s of quota.spec?.scopes ?? []) if (typeof s === "string") out.push({ scopeName: s, operator: "Exists" });
  for (const e of quota.spec?.scopeSelector?.matchExpressions ?? []) {
    if (e && typeof e.scopeName === "string") out.push({ scopeName: e.scopeName, operator: String(e.operator ?? ""), values: e.values });
  }
  return out;
}

export function hardOf(quota: KubeObject): ResourceList {
  return parseResourceList(quota.spec?.hard);
}

export function inScopes(quota: KubeObject, ev: UsageEvaluator, obj: KubeObject): boolean {
  return scopesOf(quota).every((s) => ev.matchesScope(s, obj));
}

/** generic.Matches: the quota limits something this kind counts, and the object is in its scopes. */
export function quotaCovers(quota: KubeObject, ev: UsageEvaluator, obj: KubeObject): boolean {
  return ev.matchingResources(hardOf(quota).keys()).length > 0 && inScopes(quota, ev, obj);
}

/**
 * What the objects (of the evaluator's kind) use of the quota's limited resources; every
 * resource the kind counts is present, zero when nothing uses it.
 */
export function quotaUsed(quota: KubeObject, ev: UsageEvaluator, objects: Iterable<KubeObject>, now: Date): ResourceList {
  const names = ev.matchingResources(hardOf(quota).keys());
  let used: ResourceList = new Map(names.map((n) => [n, Quantity.zero()]));
  if (names.length === 0) return used;
  const scopes = scopesOf(quota);
  for (const obj of objects) {
    if (!scopes.every((s) => ev.matchesScope(s, obj))) continue;
    used = addLists(used, maskList(ev.usage(obj, now), names));
  }
  return used;
}

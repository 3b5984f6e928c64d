/**
 * The rules of an aggregated ClusterRole (kubernetes `pkg/controller/clusterroleaggregation`):
 * every rule of every other ClusterRole that one of its selectors matches, those roles taken
 * in name order, each distinct rule once.
 */
import { labelSelectorMatches, type LabelSelector } from "../../model/label-selector.ts";
import type { PolicyRule, RoleObject } from "../../api/auth/rbac/types.ts";

export function aggregatedRules(role: RoleObject, all: RoleObject[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors?.length) return undefined;
  const sources = all
    .filter((r) => r.metadata.name !== role.metadata.name)
    .filter((r) => selectors.some((s) => labelSelectorMatches(s as LabelSelector, r.metadata.labels)))
    .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const src of sources) {
    for (const rule of src.rules ?? []) {
      const key = JSON.stringify(rule);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(rule);
    }
  }
  return out;
}

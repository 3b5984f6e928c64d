/**
 * PodTopologySpread, the Filter half (DoNotSchedule constraints). PreFilter counts matching
 * pods per domain over every node that has all the constraints' keys and passes the
 * inclusion policies (each such node makes its domain exist, with 0 if empty). Filter:
 * placing the pod here must keep `count(domain) + self − min(domains) ≤ maxSkew`, where min
 * is 0 while fewer than minDomains domains exist.
 */
import { fail, SKIP, type NodeInfo, type Plugin } from "../types.ts";
import { selectorMatches } from "../selector.ts";
import { constraintsOf, countMatching, hasAllKeys, nodeIncluded, type Constraint } from "./spread-constraints.ts";

export const NAME = "PodTopologySpread";
export const ERR_CONSTRAINTS = "node(s) didn't match pod topology spread constraints";
export const ERR_LABEL = `${ERR_CONSTRAINTS} (missing required label)`;

interface State {
  constraints: Constraint[];
  /** Per constraint: domain value → matching pods. */
  counts: Map<string, number>[];
  /** Per constraint: the smallest count over its domains (Infinity when there are none). */
  min: number[];
}

export const podTopologySpread: Plugin = {
  name: NAME,
  preFilter(cycle) {
    const { constraints } = constraintsOf(cycle.pod, "DoNotSchedule", cycle.snapshot);
    if (!constraints.length) return SKIP;
    const counts = constraints.map(() => new Map<string, number>());
    const pod = cycle.pod;
    for (const info of cycle.snapshot.nodes) {
      if (!info.node || !hasAllKeys(info, constraints)) continue;
      constraints.forEach((c, i) => {
        if (!nodeIncluded(c, pod.pod, info)) return;
        const v = info.labels[c.topologyKey]!;
        counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + countMatching(info, c.selector, pod.namespace));
      });
    }
    const min = counts.map((m) => (m.size ? Math.min(...m.values()) : Infinity));
    cycle.data.set(NAME, { constraints, counts, min } satisfies State);
    return undefined;
  },
  filter(cycle, info: NodeInfo) {
    const s = cycle.data.get(NAME) as State;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]!;
      const v = info.labels[c.topologyKey];
      if (v === undefined) return fail(ERR_LABEL, true);
      const min = s.counts[i]!.size < c.minDomains ? 0 : s.min[i]!;
      const self = selectorMatches(c.selector, cycle.pod.labels) ? 1 : 0;
      if ((s.counts[i]!.get(v) ?? 0) + self - min > c.maxSkew) return fail(ERR_CONSTRAINTS);
    }
    return undefined;
  },
};

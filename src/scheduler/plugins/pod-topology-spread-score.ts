/**
 * PodTopologySpread, the Score half (ScheduleAnyway constraints, or the system defaults).
 * Domains are those of the feasible nodes; matching pods are counted over every node that
 * passes the inclusion policies (per node, for hostname, at Score time). A node scores
 * Σ count × log(domains + 2) + (maxSkew − 1); scores are then reversed so the emptiest
 * domain gets 100. Nodes missing a key of the pod's own constraints are ignored (score 0).
 */
import { MAX_NODE_SCORE, SKIP, type NodeInfo, type Plugin } from "../types.ts";
import { constraintsOf, countMatching, hasAllKeys, HOSTNAME, nodeIncluded, type Constraint } from "./spread-constraints.ts";
import { NAME } from "./pod-topology-spread.ts";

interface State {
  constraints: Constraint[];
  ignored: Set<string>;
  counts: Map<string, number>[];
  weights: number[];
}

const KEY = `${NAME}/score`;

export const podTopologySpreadScore: Plugin = {
  name: NAME,
  preScore(cycle, feasible) {
    if (!feasible.length) return SKIP;
    const { constraints, systemDefaulted } = constraintsOf(cycle.pod, "ScheduleAnyway", cycle.snapshot);
    if (!constraints.length) return SKIP;
    const requireAll = !systemDefaulted;
    const ignored = new Set<string>();
    const counts = constraints.map(() => new Map<string, number>());
    // Kubernetes files nodes without the key (possible with the system defaults) under the
    // domain "", which no node without the key ever reads: it counts toward the number of
    // domains, but its pods need not be counted.
    const unlabelled = constraints.map(() => false);
    for (const info of feasible) {
      if (requireAll && !hasAllKeys(info, constraints)) {
        ignored.add(info.name);
        continue;
      }
      constraints.forEach((c, i) => {
        if (c.topologyKey === HOSTNAME) return;
        const v = info.labels[c.topologyKey];
        if (v === undefined) unlabelled[i] = true;
        else counts[i]!.set(v, 0);
      });
    }
    const weights = constraints.map((c, i) => {
      const domains = c.topologyKey === HOSTNAME ? feasible.length - ignored.size : counts[i]!.size + (unlabelled[i] && !counts[i]!.has("") ? 1 : 0);
      return Math.log(domains + 2);
    });
    const pod = cycle.pod;
    if (counts.some((m) => m.size)) {
      for (const info of cycle.snapshot.nodes) {
        if (!info.node || (requireAll && !hasAllKeys(info, constraints))) continue;
        constraints.forEach((c, i) => {
          if (!nodeIncluded(c, pod.pod, info)) return;
          const v = info.labels[c.topologyKey];
          if (v === undefined) return;
          const m = counts[i]!;
          const cur = m.get(v);
          if (cur !== undefined) m.set(v, cur + countMatching(info, c.selector, pod.namespace));
        });
      }
    }
    cycle.data.set(KEY, { constraints, ignored, counts, weights } satisfies State);
    return undefined;
  },
  score(cycle, info: NodeInfo) {
    const s = cycle.data.get(KEY) as State;
    if (s.ignored.has(info.name)) return 0;
    let score = 0;
    s.constraints.forEach((c, i) => {
      const v = info.labels[c.topologyKey];
      if (v === undefined) return;
      const n = c.topologyKey === HOSTNAME ? countMatching(info, c.selector, cycle.pod.namespace) : (s.counts[i]!.get(v) ?? 0);
      score += n * s.weights[i]! + (c.maxSkew - 1);
    });
    return Math.round(score);
  },
  normalize(cycle, scores, nodes) {
    const s = cycle.data.get(KEY) as State;
    let min = Infinity;
    let max = 0;
    nodes.forEach((n, i) => {
      if (s.ignored.has(n.name)) return;
      min = Math.min(min, scores[i]!);
      max = Math.max(max, scores[i]!);
    });
    nodes.forEach((n, i) => {
      if (s.ignored.has(n.name)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
    });
  },
};

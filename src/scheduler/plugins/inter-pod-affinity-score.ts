/**
 * InterPodAffinity, the Score half. PreScore sums, per topology pair, the weights of
 *   - the incoming pod's preferred affinity (+) and anti-affinity (−) terms each existing pod matches,
 *   - existing pods' required affinity terms the incoming pod matches (+ hardPodAffinityWeight, 1),
 *   - existing pods' preferred affinity (+) and anti-affinity (−) terms the incoming pod matches;
 * a node scores the sum over its labels' pairs, and scores are scaled min→0, max→100.
 * Without preferred terms of its own, only nodes holding pods with affinity are looked at.
 */
import { MAX_NODE_SCORE, SKIP, type AffinityTerm, type NodeInfo, type Plugin, type PodInfo } from "../types.ts";
import { termMatches } from "../affinity-term.ts";
import { NAME } from "./inter-pod-affinity.ts";

export const HARD_POD_AFFINITY_WEIGHT = 1;

/** topologyKey → value → score */
type TopologyScore = Map<string, Map<string, number>>;

function add(scores: TopologyScore, info: NodeInfo, term: AffinityTerm, weight: number): void {
  const v = info.labels[term.topologyKey];
  if (v === undefined) return;
  let m = scores.get(term.topologyKey);
  if (!m) scores.set(term.topologyKey, (m = new Map()));
  m.set(v, (m.get(v) ?? 0) + weight);
}

export const interPodAffinityScore: Plugin = {
  name: NAME,
  preScore(cycle) {
    const pod = cycle.pod;
    const snap = cycle.snapshot;
    const own = pod.preferredAffinity.length > 0 || pod.preferredAntiAffinity.length > 0;
    const ownNsLabels = snap.namespaceLabels(pod.namespace);
    const scores: TopologyScore = new Map();
    const nsLabels = new Map<string, Record<string, string> | undefined>();
    const labelsOf = (p: PodInfo) => {
      if (!nsLabels.has(p.namespace)) nsLabels.set(p.namespace, snap.namespaceLabels(p.namespace));
      return nsLabels.get(p.namespace);
    };
    for (const info of own ? snap.nodes : snap.nodesWithAffinityPods()) {
      const pods = own ? info.pods : info.podsWithAffinity;
      if (!pods.length || !info.node || !Object.keys(info.labels).length) continue;
      for (const existing of pods) {
        if (own) {
          const l = labelsOf(existing);
          for (const t of pod.preferredAffinity) if (termMatches(t, existing, l)) add(scores, info, t, t.weight);
          for (const t of pod.preferredAntiAffinity) if (termMatches(t, existing, l)) add(scores, info, t, -t.weight);
        }
        for (const t of existing.requiredAffinity) if (termMatches(t, pod, ownNsLabels)) add(scores, info, t, HARD_POD_AFFINITY_WEIGHT);
        for (const t of existing.preferredAffinity) if (termMatches(t, pod, ownNsLabels)) add(scores, info, t, t.weight);
        for (const t of existing.preferredAntiAffinity) if (termMatches(t, pod, ownNsLabels)) add(scores, info, t, -t.weight);
      }
    }
    if (scores.size === 0) return SKIP;
    cycle.data.set(`${NAME}/score`, scores);
    return undefined;
  },
  score(cycle, info) {
    const scores = cycle.data.get(`${NAME}/score`) as TopologyScore;
    let sum = 0;
    for (const [key, values] of scores) {
      const v = info.labels[key];
      if (v !== undefined) sum += values.get(v) ?? 0;
    }
    return sum;
  },
  normalize(_cycle, scores) {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s < min) min = s;
      if (s > max) max = s;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i]! - min) / diff)) : 0;
  },
};

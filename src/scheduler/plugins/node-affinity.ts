/**
 * NodeAffinity: nodeSelector and required node affinity (Filter; nodeSelectorTerms are ORed,
 * expressions within a term ANDed); preferred terms add their weight when the node matches
 * (Score, scaled so the best node gets 100). The matching itself is the object model's.
 */
import type { Pod, PreferredSchedulingTerm } from "../../model/kinds.ts";
import { matchesRequiredNodeAffinity, matchesTerm } from "../../model/node-selector.ts";
import { fail, SKIP, type Plugin, type NodeInfo } from "../types.ts";
import { defaultNormalize } from "./normalize.ts";

export const NAME = "NodeAffinity";
export const ERR_REASON = "node(s) didn't match Pod's node affinity/selector";

function preferred(pod: Pod): PreferredSchedulingTerm[] {
  const list = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
  return Array.isArray(list) ? list.filter((p) => Number(p?.weight) > 0) : [];
}

export const nodeAffinity: Plugin = {
  name: NAME,
  preFilter(cycle) {
    const spec = cycle.pod.pod.spec;
    const hasSelector = spec?.nodeSelector && Object.keys(spec.nodeSelector).length > 0;
    return hasSelector || spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ? undefined : SKIP;
  },
  filter(cycle, info: NodeInfo) {
    return info.node && matchesRequiredNodeAffinity(cycle.pod.pod, info.node) ? undefined : fail(ERR_REASON, true);
  },
  preScore(cycle) {
    const terms = preferred(cycle.pod.pod);
    if (!terms.length) return SKIP;
    cycle.data.set(NAME, terms);
    return undefined;
  },
  score(cycle, info) {
    let sum = 0;
    for (const t of cycle.data.get(NAME) as PreferredSchedulingTerm[]) if (info.node && matchesTerm(info.node, t.preference)) sum += Number(t.weight);
    return sum;
  },
  normalize: (_cycle, scores) => defaultNormalize(scores, false),
};

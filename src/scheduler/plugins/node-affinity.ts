/**
 * NodeAffinity: nodeSelector and required node affinity (Filter; nodeSelectorTerms are ORed,
 * expressions within a term ANDed); preferred terms add their weight when the node matches
 * (Score, scaled so the best node gets 100).
 */
import type { KubeObject } from "../../model/object.ts";
import { fail, SKIP, type Plugin, type NodeInfo } from "../types.ts";
import { defaultNormalize } from "./normalize.ts";

export const NAME = "NodeAffinity";
export const ERR_REASON = "node(s) didn't match Pod's node affinity/selector";

const INT = /^[+-]?\d+$/;

function matchExpression(labels: Record<string, string>, e: { key: string; operator: string; values?: string[] }): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, e.key);
  const v = labels[e.key];
  const values = e.values ?? [];
  switch (e.operator) {
    case "In":
      return has && values.includes(v!);
    case "NotIn":
      return !has || !values.includes(v!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
    case "Lt": {
      // Both sides must be integers, as Go's strconv.ParseInt requires.
      if (!has || !INT.test(v!) || values.length !== 1 || !INT.test(values[0]!)) return false;
      return e.operator === "Gt" ? BigInt(v!) > BigInt(values[0]!) : BigInt(v!) < BigInt(values[0]!);
    }
    default:
      return false;
  }
}

/** Whether the node satisfies one NodeSelectorTerm (matchExpressions on labels, matchFields on metadata.name). */
export function matchesTerm(node: KubeObject, term: any): boolean {
  const labels = node.metadata.labels ?? {};
  const exprs = term?.matchExpressions ?? [];
  const fields = term?.matchFields ?? [];
  if (!exprs.length && !fields.length) return false;
  return exprs.every((e: any) => matchExpression(labels, e)) && fields.every((f: any) => f.key === "metadata.name" && matchExpression({ "metadata.name": node.metadata.name! }, f));
}

/** nodeSelector plus required node affinity: what PodTopologySpread's nodeAffinityPolicy Honor also checks. */
export function matchesRequiredNodeAffinity(pod: KubeObject, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return !(Array.isArray(terms) && terms.length && !terms.some((t: any) => matchesTerm(node, t)));
}

function preferred(pod: KubeObject): { weight: number; preference: any }[] {
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
    for (const t of cycle.data.get(NAME) as { weight: number; preference: any }[]) if (info.node && matchesTerm(info.node, t.preference)) sum += Number(t.weight);
    return sum;
  },
  normalize: (_cycle, scores) => defaultNormalize(scores, false),
};

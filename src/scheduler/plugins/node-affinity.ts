/** nodeSelector and required node affinity (nodeSelectorTerms are ORed, expressions within a term ANDed). */
import type { KubeObject } from "../../model/object.ts";
import type { FilterPlugin } from "../types.ts";

export const NAME = "NodeAffinity";

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
      return has && Number(v) > Number(values[0]);
    case "Lt":
      return has && Number(v) < Number(values[0]);
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

export const nodeAffinity = {
  name: NAME,
  filter(pod, info) {
    const labels = info.node.metadata.labels ?? {};
    for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) {
      if (labels[k] !== v) return "node(s) didn't match Pod's node affinity/selector";
    }
    const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (Array.isArray(terms) && terms.length && !terms.some((t: any) => matchesTerm(info.node, t))) {
      return "node(s) didn't match Pod's node affinity/selector";
    }
    return undefined;
  },
} satisfies FilterPlugin;

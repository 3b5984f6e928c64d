/**
 * Node selection as a pod asks for it: `nodeSelector` and node affinity's NodeSelectorTerms
 * (terms ORed, expressions within a term ANDed; matchFields on metadata.name). One matcher
 * for the scheduler's NodeAffinity plugin, DaemonSet eligibility and PersistentVolume node
 * affinity. Shapes that are not what the API types say match nothing instead of throwing.
 */
import type { KubeObject } from "./object.ts";

const INT = /^[+-]?\d+$/;

interface Requirement {
  key: string;
  operator: string;
  values?: unknown;
}

function matchExpression(labels: Record<string, string>, e: Requirement): boolean {
  if (!e || typeof e !== "object" || typeof e.key !== "string") return false;
  const has = Object.prototype.hasOwnProperty.call(labels, e.key);
  const v = labels[e.key];
  const values = Array.isArray(e.values) ? (e.values as unknown[]) : [];
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
      const bound = values[0];
      if (!has || !INT.test(v!) || values.length !== 1 || typeof bound !== "string" || !INT.test(bound)) return false;
      return e.operator === "Gt" ? BigInt(v!) > BigInt(bound) : BigInt(v!) < BigInt(bound);
    }
    default:
      return false;
  }
}

function labelsOf(node: KubeObject): Record<string, string> {
  const l = node.metadata?.labels;
  return l && typeof l === "object" && !Array.isArray(l) ? l : {};
}

/** Whether the node satisfies one NodeSelectorTerm (matchExpressions on labels, matchFields on metadata.name). */
export function matchesTerm(node: KubeObject, term: any): boolean {
  const exprs: Requirement[] = Array.isArray(term?.matchExpressions) ? term.matchExpressions : [];
  const fields: Requirement[] = Array.isArray(term?.matchFields) ? term.matchFields : [];
  if (!exprs.length && !fields.length) return false;
  const labels = labelsOf(node);
  return exprs.every((e) => matchExpression(labels, e)) && fields.every((f) => f?.key === "metadata.name" && matchExpression({ "metadata.name": node.metadata.name! }, f));
}

/** nodeSelector plus required node affinity: what PodTopologySpread's nodeAffinityPolicy Honor also checks. */
export function matchesRequiredNodeAffinity(pod: KubeObject, node: KubeObject): boolean {
  const labels = labelsOf(node);
  const selector = pod.spec?.nodeSelector;
  if (selector !== undefined && selector !== null) {
    if (typeof selector !== "object" || Array.isArray(selector)) return false;
    for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  }
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return !(Array.isArray(terms) && terms.length && !terms.some((t: any) => matchesTerm(node, t)));
}

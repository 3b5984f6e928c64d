/**
 * Pod (anti-)affinity terms as the framework compiles them: a term names namespaces (its pod's
 * own when it names none and has no namespaceSelector), and matches a pod when the pod's
 * namespace is named or selected and its labels match. matchLabelKeys/mismatchLabelKeys are
 * folded into the selector with the owning pod's label values, as the API server does since 1.31.
 */
import type { AffinityTerm, PodInfo, WeightedAffinityTerm } from "./types.ts";
import type { PodAffinityTerm, WeightedPodAffinityTerm } from "../model/kinds.ts";
import { compileSelector, selectorMatches, withLabelKeys } from "./selector.ts";

export function compileTerm(term: PodAffinityTerm | undefined, namespace: string, labels: Record<string, string>): AffinityTerm {
  const names: string[] = Array.isArray(term?.namespaces) ? term.namespaces : [];
  const nsSel = term?.namespaceSelector;
  return {
    selector: withLabelKeys(compileSelector(term?.labelSelector), labels, term?.matchLabelKeys, term?.mismatchLabelKeys),
    namespaces: new Set(names.length === 0 && !nsSel ? [namespace] : names),
    namespaceSelector: nsSel ? compileSelector(nsSel) : undefined,
    topologyKey: String(term?.topologyKey ?? ""),
  };
}

export function compileWeightedTerms(list: WeightedPodAffinityTerm[] | undefined, namespace: string, labels: Record<string, string>): WeightedAffinityTerm[] {
  if (!Array.isArray(list)) return [];
  return list.map((w) => ({ ...compileTerm(w?.podAffinityTerm, namespace, labels), weight: Number(w?.weight ?? 0) }));
}

/** AffinityTerm.Matches: `nsLabels` are the labels of the candidate pod's namespace. */
export function termMatches(term: AffinityTerm, pod: PodInfo, nsLabels: Record<string, string> | undefined): boolean {
  const inNs = term.namespaces.has(pod.namespace) || (term.namespaceSelector !== undefined && selectorMatches(term.namespaceSelector, nsLabels ?? {}));
  return inNs && selectorMatches(term.selector, pod.labels);
}

/** True when the pod matches every term (and there is at least one). */
export function matchesAllTerms(terms: AffinityTerm[], pod: PodInfo, nsLabels: Record<string, string> | undefined): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, nsLabels)) return false;
  return true;
}

/**
 * Label selectors compiled once per pod, with Kubernetes' nil/empty distinction: a null
 * selector matches nothing, an empty one everything. A selector that does not parse matches
 * nothing too (the API validates them; this is only a guard).
 */
import { fromLabelSelector, matchesRequirements, type LabelSelector, type Requirement } from "../model/label-selector.ts";
import type { Selector } from "./types.ts";

export const NOTHING: Selector = { nothing: true, reqs: [] };
export const EVERYTHING: Selector = { nothing: false, reqs: [] };

export function compileSelector(sel: LabelSelector | null | undefined): Selector {
  if (!sel) return NOTHING;
  try {
    return { nothing: false, reqs: fromLabelSelector(sel) };
  } catch {
    return NOTHING;
  }
}

/** matchLabelKeys / mismatchLabelKeys: `key in (v)` / `key notin (v)` for keys the pod carries. */
export function withLabelKeys(sel: Selector, labels: Record<string, string>, match: string[] = [], mismatch: string[] = []): Selector {
  if (sel.nothing || (!match.length && !mismatch.length)) return sel;
  const extra: Requirement[] = [];
  for (const k of match) if (k in labels) extra.push({ key: k, operator: "in", values: [labels[k]!] });
  for (const k of mismatch) if (k in labels) extra.push({ key: k, operator: "notin", values: [labels[k]!] });
  return extra.length ? { nothing: false, reqs: [...sel.reqs, ...extra] } : sel;
}

export function selectorMatches(sel: Selector, labels: Record<string, string> | undefined): boolean {
  if (sel.nothing) return false;
  return sel.reqs.length === 0 || matchesRequirements(sel.reqs, labels);
}

/** Merges label sets into one equality selector (labels.Set.AsSelector); empty in → empty out. */
export function selectorFromSet(set: Record<string, string>): Selector {
  return { nothing: false, reqs: Object.keys(set).sort().map((key) => ({ key, operator: "=" as const, values: [set[key]!] })) };
}

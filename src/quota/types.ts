/**
 * How quota measures one kind of object (apiserver's `quota.Evaluator`): which quota resource
 * names it counts toward, what one object uses, what it must declare, and which quota scopes
 * it falls under. Admission and the ResourceQuota controller share these, so the number the
 * controller reports is the number admission compares against.
 */
import type { KubeObject } from "../model/object.ts";
import type { ResourceList } from "./resource-list.ts";

/** One entry of `spec.scopeSelector.matchExpressions`, or a `spec.scopes` name (operator Exists). */
export interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values?: string[];
}

export interface UsageEvaluator {
  readonly group: string;
  readonly plural: string;
  /** The names among `names` (a quota's hard list) that objects of this kind count toward. */
  matchingResources(names: Iterable<string>): string[];
  /** What one object uses; `now` decides whether a pod stuck terminating still counts. */
  usage(obj: KubeObject, now: Date): ResourceList;
  /** Why the object cannot be admitted under a quota that tracks `required` (undefined = fine). */
  constraints(required: string[], obj: KubeObject): string | undefined;
  matchesScope(scope: ScopeRequirement, obj: KubeObject): boolean;
}

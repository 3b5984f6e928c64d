/**
 * Object-count quota (apiserver's generic evaluator): every stored object of a kind counts
 * one toward `count/<plural>[.<group>]`, and the kinds quota knew before that form existed
 * also toward their bare name (`configmaps`, `secrets`, …).
 */
import type { KubeObject } from "../model/object.ts";
import { Quantity } from "../model/quantity.ts";
import type { ResourceList } from "./resource-list.ts";
import type { UsageEvaluator } from "./types.ts";

/** `count/pods`, `count/deployments.apps` — ObjectCountQuotaResourceNameFor. */
export function objectCountName(group: string, plural: string): string {
  return group ? `count/${plural}.${group}` : `count/${plural}`;
}

export const ONE = Quantity.fromValue(1);

export class ObjectCountEvaluator implements UsageEvaluator {
  private readonly names: string[];

  constructor(
    readonly group: string,
    readonly plural: string,
    /** The legacy bare name, e.g. "configmaps". */
    alias?: string,
  ) {
    this.names = [objectCountName(group, plural), ...(alias ? [alias] : [])];
  }

  matchingResources(names: Iterable<string>): string[] {
    return [...names].filter((n) => this.names.includes(n));
  }

  usage(_obj: KubeObject): ResourceList {
    return new Map(this.names.map((n) => [n, ONE]));
  }

  constraints(): undefined {
    return undefined;
  }

  /** Only pods have scopes: a scoped quota never matches other kinds (MatchesNoScopeFunc). */
  matchesScope(): boolean {
    return false;
  }
}

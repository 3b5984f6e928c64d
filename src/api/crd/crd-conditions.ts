/** A CustomResourceDefinition's status conditions, set as the apiextensions-apiserver's controllers set them. */
import type { CrdCondition } from "./crd-types.ts";

/** `conditions` with `c` in place of its type's entry; the transition time moves only when the status does. */
export function setCondition(conditions: CrdCondition[] | undefined, c: CrdCondition, now: string): CrdCondition[] {
  const list = conditions ?? [];
  const old = list.find((x) => x.type === c.type);
  const next = { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now };
  return old ? list.map((x) => (x === old ? next : x)) : [...list, next];
}

export function conditionTrue(conditions: CrdCondition[] | undefined, type: string): boolean {
  return conditions?.some((c) => c.type === type && c.status === "True") ?? false;
}

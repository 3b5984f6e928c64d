/**
 * The merge of an applied configuration into the live object (structured-merge-diff's merge):
 * objects merge field by field, keyed lists item by item (live order kept, new items after),
 * sets by value, atomic lists and atomic objects are replaced whole. A null in the
 * configuration removes the field, as a merge patch would.
 */
import { cloneObject } from "../../model/clone.ts";
import type { PatchSchema } from "../patch/patch-schema.ts";
import { itemKey, listKindOf, valueSegment } from "./field-set.ts";

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function mergeApplied(live: unknown, applied: unknown, s: PatchSchema | undefined): unknown {
  if (Array.isArray(applied)) {
    if (!Array.isArray(live)) return cloneObject(applied);
    const lk = listKindOf(s);
    if (lk.kind === "atomic") return cloneObject(applied);
    const keyOf = (x: unknown) => (lk.kind === "map" ? itemKey(x, lk.keys) : valueSegment(x));
    const out = [...live];
    const index = new Map(out.map((x, i) => [keyOf(x), i]));
    for (const item of applied) {
      const k = keyOf(item);
      const at = index.get(k);
      if (at === undefined) {
        index.set(k, out.length);
        out.push(cloneObject(item));
      } else if (lk.kind === "map") out[at] = mergeApplied(out[at], item, s?.items());
    }
    return out;
  }
  if (!isMap(applied)) return applied;
  if (!isMap(live) || s?.mapType === "atomic") return cloneObject(applied);
  const out: Record<string, unknown> = { ...live };
  const isStruct = s?.type === "object";
  for (const [key, v] of Object.entries(applied)) {
    if (v === null) delete out[key];
    else out[key] = mergeApplied(live[key], v, isStruct ? s!.field(key) : s?.items());
  }
  return out;
}

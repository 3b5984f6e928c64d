import { getKey, hasKey, isJsonObject, kindOf, type JsonObject, type JsonValue } from "./json-value.ts";
import { patchFailed, patchRejected } from "./patch-errors.ts";

/**
 * List half of strategic merge patch: lists whose patch strategy is `merge`. Lists of objects
 * merge element-wise by their `patchMergeKey`; lists of primitives (finalizers) are unions.
 * Facts from apimachinery `util/strategicpatch/patch.go` (`mergeSlice`,
 * `normalizeElementOrder`, `mergeSortedSlice`) and the community design
 * "preserve-order-in-strategic-merge-patch".
 */

/** Merges one element map of a keyed list; the strategic map merge, passed in to avoid an import cycle. */
export type MergeElement = (original: JsonObject | undefined, patch: JsonObject) => JsonObject;

/**
 * Merges a patch list into an original list (both private copies; the original is modified).
 * `mergeKey` undefined means a list of primitives.
 *
 * Elements may carry `$patch`: `delete` removes every element with that key, `replace` makes the
 * patch's other elements the whole list, `merge` is the default and is accepted (apimachinery
 * rejects it in lists; accepting it is harmless and what the docs suggest).
 */
export function mergeList(
  original: JsonValue[],
  patch: JsonValue[],
  mergeKey: string | undefined,
  mergeElement: MergeElement,
): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  checkElementKinds(original, patch);

  if (!mergeKey) {
    if (patch.some(isJsonObject) || original.some(isJsonObject)) {
      throw patchFailed("cannot merge lists without merge key for type map");
    }
    const merged = [...original];
    for (const v of patch) if (!merged.includes(v)) merged.push(v);
    return orderMerged(merged, patch, original, undefined);
  }

  const plain: JsonObject[] = [];
  let replace = false;
  let current = original as JsonObject[];
  for (const el of patch as JsonObject[]) {
    const directive = getKey(el, "$patch");
    if (directive === undefined || directive === "merge") {
      if (directive !== undefined) delete el.$patch;
      plain.push(el);
    } else if (directive === "delete") {
      const key = requireMergeKey(el, mergeKey);
      current = current.filter((o) => getKey(o, mergeKey) !== key);
    } else if (directive === "replace") {
      replace = true; // keep going: the other special elements must still be pruned
    } else {
      throw patchFailed(`unknown patch type: ${String(directive)} in map: ${JSON.stringify(el)}`);
    }
  }
  if (replace) return plain.map((el) => mergeElement(undefined, el));

  const merged = [...current];
  for (const el of plain) {
    const key = requireMergeKey(el, mergeKey);
    const i = merged.findIndex((o) => isJsonObject(o) && hasKey(o, mergeKey) && o[mergeKey] === key);
    if (i >= 0) merged[i] = mergeElement(merged[i], el);
    else merged.push(mergeElement(undefined, el));
  }
  return orderMerged(merged, plain, current, mergeKey);
}

/**
 * Orders a merged list by `$setElementOrder/<field>` (kubectl sends the full desired order):
 * elements named there follow that order; elements only the server knows keep their place
 * relative to the live list.
 */
export function orderBySetElementOrder(
  merged: JsonValue[],
  order: JsonValue[],
  live: JsonValue[],
  mergeKey: string | undefined,
): JsonValue[] {
  return orderMerged(merged, order, live, mergeKey);
}

/**
 * apimachinery `validatePatchWithSetOrderList`: the patch list's elements (deletions aside) must
 * appear in `$setElementOrder` in the same relative order.
 */
export function checkPatchAgainstOrder(patch: JsonValue[], order: JsonValue[], mergeKey: string | undefined): void {
  if (patch.length === 0 || order.length === 0) return;
  const items = patch.filter((el) => !(isJsonObject(el) && hasKey(el, "$patch")));
  let p = 0;
  for (let s = 0; p < items.length && s < order.length; s++) {
    if (sameKey(items[p]!, order[s]!, mergeKey)) p++;
  }
  if (p < items.length) {
    throw patchFailed(
      `The order in patch list:\n${JSON.stringify(patch)}\n doesn't match $setElementOrder list:\n${JSON.stringify(order)}\n`,
    );
  }
}

function sameKey(a: JsonValue, b: JsonValue, mergeKey: string | undefined): boolean {
  if (!mergeKey) return a === b;
  if (!isJsonObject(a) || !isJsonObject(b)) throw patchFailed(`expected a map, but received a ${kindOf(isJsonObject(a) ? b : a)}`);
  return requireMergeKey(a, mergeKey) === requireMergeKey(b, mergeKey);
}

function requireMergeKey(el: JsonObject, mergeKey: string): JsonValue {
  if (!hasKey(el, mergeKey)) {
    throw patchFailed(`map: ${JSON.stringify(el)} does not contain declared merge key: ${mergeKey}`);
  }
  return el[mergeKey]!;
}

/** All elements of both lists must be of one kind, and never lists (apimachinery `sliceElementType`). */
function checkElementKinds(...lists: JsonValue[][]): void {
  let kind: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = kindOf(v);
      if (k === "array") throw patchRejected("lists of lists are not supported");
      if (kind !== undefined && k !== kind) throw patchFailed(`list element types are not identical: ${JSON.stringify(lists)}`);
      kind = k;
    }
  }
}

/** Identity of an element for ordering: its merge-key value, or itself for primitives. */
function identity(v: JsonValue, mergeKey: string | undefined): JsonValue | undefined {
  if (!mergeKey) return v;
  return isJsonObject(v) ? getKey(v, mergeKey) : undefined;
}

function indexIn(list: JsonValue[], v: JsonValue, mergeKey: string | undefined): number {
  const id = identity(v, mergeKey);
  if (id === undefined) return -1;
  return list.findIndex((o) => identity(o, mergeKey) === id);
}

/**
 * apimachinery `normalizeElementOrder`: split `merged` into the elements named by `patchOrder`
 * and the server-only rest, sort each by its own order, then interleave them so a server-only
 * element stays in front of a patch element it preceded in the live list.
 */
function orderMerged(
  merged: JsonValue[],
  patchOrder: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string | undefined,
): JsonValue[] {
  const fromPatch: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const v of merged) (indexIn(patchOrder, v, mergeKey) >= 0 ? fromPatch : serverOnly).push(v);
  const right = sortBy(fromPatch, patchOrder, mergeKey);
  const left = sortBy(serverOnly, serverOrder, mergeKey);

  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = indexIn(serverOrder, left[i]!, mergeKey);
      const ri = indexIn(serverOrder, right[j]!, mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

/** Stable sort by position in `order`; elements absent from it keep their relative place at the end. */
function sortBy(items: JsonValue[], order: JsonValue[], mergeKey: string | undefined): JsonValue[] {
  const rank = (v: JsonValue) => {
    const i = indexIn(order, v, mergeKey);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return items
    .map((v, pos) => ({ v, pos, r: rank(v) }))
    .sort((a, b) => a.r - b.r || a.pos - b.pos)
    .map((e) => e.v);
}

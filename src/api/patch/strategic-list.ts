import { getKey, hasKey, isJsonObject, kindOf, type JsonObject, type JsonValue } from "./json-value.ts";
import { patchFailed, patchRejected } from "./patch-errors.ts";

/**
 * List half of strategic merge patch: lists whose patch strategy is `merge`. Lists of objects
 * merge element-wise by their `patchMergeKey`; lists of primitives (finalizers) are unions.
 * Facts from apimachinery `util/strategicpatch/patch.go` (`mergeSlice`,
 * `normalizeElementOrder`, `mergeSortedSlice`) and the community design
 * "preserve-order-in-strategic-merge-patch".
 *
 * Every lookup goes through a Map from an element's identity (its merge-key value, or the value
 * itself for primitives) to its first position, so a merge costs O(n log n) in the list lengths
 * (the sort that orders the result). Searching the lists inside loops made one dry-run patch
 * of 40,000 finalizers hold the event loop for 12 s (issue 17). Kubernetes puts no length limit
 * on these lists; the request body limit bounds them.
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
    const present = new Set<JsonValue>(original);
    for (const v of patch) {
      if (present.has(v)) continue;
      present.add(v);
      merged.push(v);
    }
    return orderMerged(merged, patch, original, undefined);
  }

  const plain: JsonObject[] = [];
  const deleted = new Set<JsonValue>();
  let replace = false;
  for (const el of patch as JsonObject[]) {
    const directive = getKey(el, "$patch");
    if (directive === undefined || directive === "merge") {
      if (directive !== undefined) delete el.$patch;
      plain.push(el);
    } else if (directive === "delete") {
      deleted.add(requireMergeKey(el, mergeKey));
    } else if (directive === "replace") {
      replace = true; // keep going: the other special elements must still be pruned
    } else {
      throw patchFailed(`unknown patch type: ${String(directive)} in map: ${JSON.stringify(el)}`);
    }
  }
  if (replace) return plain.map((el) => mergeElement(undefined, el));

  const live = original as JsonObject[];
  const current = deleted.size === 0 ? live : live.filter((o) => !deleted.has(getKey(o, mergeKey)!));
  const merged: JsonValue[] = [...current];
  const holds = (o: JsonValue | undefined, key: JsonValue) => isJsonObject(o) && hasKey(o, mergeKey) && o[mergeKey] === key;
  // Position of the first element holding each merge-key value, as a search from the front would find it.
  const first = new Map<JsonValue, number>();
  merged.forEach((o, i) => {
    if (isJsonObject(o) && hasKey(o, mergeKey) && !first.has(o[mergeKey]!)) first.set(o[mergeKey]!, i);
  });
  for (const el of plain) {
    const key = requireMergeKey(el, mergeKey);
    const i = first.get(key);
    if (i === undefined) {
      const added = mergeElement(undefined, el);
      merged.push(added);
      if (holds(added, key)) first.set(key, merged.length - 1);
      continue;
    }
    const out = mergeElement(merged[i] as JsonObject, el);
    merged[i] = out;
    if (holds(out, key)) continue;
    // Only a null key can vanish (merging a null deletes the field); the next holder takes over.
    // The search only moves forward, so it stays linear over the whole patch.
    first.delete(key);
    for (let k = i + 1; k < merged.length; k++) {
      if (holds(merged[k], key)) {
        first.set(key, k);
        break;
      }
    }
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

/** Position of the first element of `list` with each identity. */
function positions(list: JsonValue[], mergeKey: string | undefined): Map<JsonValue, number> {
  const index = new Map<JsonValue, number>();
  list.forEach((v, i) => {
    const id = identity(v, mergeKey);
    if (id !== undefined && !index.has(id)) index.set(id, i);
  });
  return index;
}

function positionIn(index: Map<JsonValue, number>, v: JsonValue, mergeKey: string | undefined): number {
  const id = identity(v, mergeKey);
  return id === undefined ? -1 : (index.get(id) ?? -1);
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
  const inPatch = positions(patchOrder, mergeKey);
  const inServer = positions(serverOrder, mergeKey);
  const fromPatch: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const v of merged) (positionIn(inPatch, v, mergeKey) >= 0 ? fromPatch : serverOnly).push(v);
  const right = sortBy(fromPatch, inPatch, mergeKey);
  const left = sortBy(serverOnly, inServer, mergeKey);

  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = positionIn(inServer, left[i]!, mergeKey);
      const ri = positionIn(inServer, right[j]!, mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

/**
 * Stable sort by position in an order; elements absent from it keep their relative place at the
 * end. Positions are integers below the order's length, so a counting sort does it in linear time.
 */
function sortBy(items: JsonValue[], order: Map<JsonValue, number>, mergeKey: string | undefined): JsonValue[] {
  const ranks = items.map((v) => positionIn(order, v, mergeKey));
  let size = 0;
  for (const r of ranks) if (r >= size) size = r + 1;
  const next = new Array<number>(size).fill(0); // per rank: where its next item goes
  for (const r of ranks) if (r >= 0) next[r]! += 1;
  let at = 0;
  for (let r = 0; r < size; r++) {
    const count = next[r]!;
    next[r] = at;
    at += count;
  }
  const out = new Array<JsonValue>(items.length);
  for (let k = 0; k < items.length; k++) {
    const r = ranks[k]!;
    out[r < 0 ? at++ : next[r]!++] = items[k]!;
  }
  return out;
}

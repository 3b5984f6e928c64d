import type { PatchSchema } from "./patch-schema.ts";
import { deepClone, getKey, hasKey, isJsonObject, kindOf, setKey, type JsonObject, type JsonValue } from "./json-value.ts";
import { checkPatchAgainstOrder, mergeList, orderBySetElementOrder } from "./strategic-list.ts";
import { patchBadRequest, patchFailed } from "./patch-errors.ts";
import { checkPatchDepth, checkPatchedDepth } from "./patch-limits.ts";

/**
 * Kubernetes strategic merge patch (`application/strategic-merge-patch+json`), server side.
 *
 * Like a JSON merge patch, except where the schema says otherwise:
 * - lists with strategy `merge` merge by `patchMergeKey` (containers by `name`) or, for
 *   primitives (finalizers), as a union;
 * - maps with strategy `replace` are replaced;
 * - directives: `$patch: replace | delete | merge` in maps and list elements, `$retainKeys`,
 *   `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`.
 * kubectl apply computes a three-way patch with these directives; applying it must give what
 * the apiserver gives. Behaviour follows apimachinery `util/strategicpatch/patch.go`
 * (`StrategicMergeMapPatch` → `mergeMap`) with two deliberate differences, both because our
 * objects stay untyped JSON instead of being decoded into Go structs (which silently drops
 * stray directives and nulls): a value for a field the original lacks is merged into an empty
 * value (so its directives are applied and its nulls dropped) rather than copied raw, and
 * `$patch: merge` is accepted as the no-op it names.
 * Unknown fields (no schema) get merge-patch semantics; the directives still apply.
 *
 * @example
 * // kubectl apply after removing container "b" from the manifest:
 * applyStrategicMergePatch(deployment, { spec: { template: { spec: {
 *   $setElementOrder/containers: [{ name: "a" }],
 *   containers: [{ name: "b", $patch: "delete" }],
 * } } } }, deploymentSchema);
 */
export function applyStrategicMergePatch(original: object, patch: unknown, schema: PatchSchema | undefined): JsonObject {
  if (!isJsonObject(patch)) {
    throw patchBadRequest(`json: cannot unmarshal ${kindOf(patch)} into Go value of type map[string]interface {}`);
  }
  checkPatchDepth(patch); // mergeMap recurses as deep as the patch
  const patched = mergeMap(deepClone(original as JsonObject), deepClone(patch), schema);
  checkPatchedDepth(patched);
  return patched;
}

const PATCH = "$patch";
const RETAIN_KEYS = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER = "$setElementOrder";

/** Merges a patch map into an original map; both are private copies and both may be modified. */
function mergeMap(original: JsonObject | undefined, patch: JsonObject, schema: PatchSchema | undefined): JsonObject {
  if (hasKey(patch, PATCH)) {
    const directive = patch[PATCH];
    delete patch[PATCH];
    if (directive === "delete") return {};
    if (directive === "replace") return mergeMap({}, patch, schema);
    if (directive !== "merge") {
      throw patchFailed(`unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
    }
  }
  const out = original ?? {};
  applyRetainKeys(out, patch);
  applySetElementOrder(out, patch, schema);

  const deletions: string[] = [];
  for (const key of Object.keys(patch)) {
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      deletions.push(key);
      continue;
    }
    const value = patch[key]!;
    if (value === null) {
      delete out[key];
      continue;
    }
    const fieldSchema = schemaOfField(schema, key);
    const current = getKey(out, key);
    if (current === undefined || kindOf(current) !== kindOf(value)) {
      setKey(out, key, fresh(value, fieldSchema));
    } else if (isJsonObject(value)) {
      setKey(out, key, strategies(fieldSchema).has("replace") ? fresh(value, fieldSchema) : mergeMap(current as JsonObject, value, fieldSchema));
    } else if (Array.isArray(value)) {
      setKey(out, key, isMergeList(fieldSchema) ? mergeListField(current as JsonValue[], value, fieldSchema!) : value);
    } else {
      setKey(out, key, value);
    }
  }
  // After additions, as kubectl's patches expect: the deletion list names what left the manifest.
  for (const key of deletions) deleteFromPrimitiveList(out, key, patch[key]!);
  return out;
}

/**
 * A value for a field the original lacks (or holds with another type): merged into nothing, so
 * directives inside take effect and nulls vanish. Lists without merge strategy are atomic values.
 */
function fresh(value: JsonValue, schema: PatchSchema | undefined): JsonValue {
  if (isJsonObject(value)) return mergeMap({}, value, schema);
  if (Array.isArray(value) && isMergeList(schema)) return mergeListField([], value, schema!);
  return value;
}

function mergeListField(original: JsonValue[], patch: JsonValue[], schema: PatchSchema): JsonValue[] {
  const items = schema.items();
  return mergeList(original, patch, schema.patchMergeKey, (o, p) => mergeMap(o, p, items));
}

/**
 * `$retainKeys: [..]`: the original keeps only the listed keys (used by kubectl for fields with
 * the `retainKeys` strategy, e.g. a Deployment's `strategy` or a volume's source). Every
 * non-null field the patch sets must be listed, otherwise the patch is malformed (400).
 */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!hasKey(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw patchBadRequest("invalid patch format of retainKeys");
  const keep = new Set(list);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(key)) throw patchBadRequest("invalid patch format of retainKeys");
  }
  for (const key of Object.keys(original)) if (!keep.has(key)) delete original[key];
}

/**
 * `$setElementOrder/<field>: [..]` carries the full order of a merge list as the manifest has it
 * (maps reduced to their merge key). The field's patch list is merged here and then ordered:
 * listed elements in that order, server-only elements kept near their live neighbours.
 * For a field that is not a merge list (unknown schema) the directive is dropped and the field
 * is handled as in a merge patch.
 */
function applySetElementOrder(original: JsonObject, patch: JsonObject, schema: PatchSchema | undefined): void {
  for (const directiveKey of Object.keys(patch)) {
    if (!directiveKey.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[directiveKey];
    delete patch[directiveKey];
    const field = fieldOfDirective(directiveKey, SET_ELEMENT_ORDER, "invalid patch format of setElementOrder list");
    if (!Array.isArray(order)) throw patchFailed(`expected a []interface {}, but received a ${kindOf(order)}`);
    const fieldSchema = schemaOfField(schema, field);
    if (!isMergeList(fieldSchema)) continue;

    const live = getKey(original, field);
    const patchList = getKey(patch, field);
    if (live !== undefined && !Array.isArray(live)) throw patchFailed(`expected a []interface {}, but received a ${kindOf(live)}`);
    if (patchList !== undefined && patchList !== null && !Array.isArray(patchList)) {
      throw patchFailed(`expected a []interface {}, but received a ${kindOf(patchList)}`);
    }
    if (patchList === null) continue; // the main loop deletes the field
    const mergeKey = fieldSchema!.patchMergeKey;
    checkPatchAgainstOrder(patchList ?? [], order, mergeKey);
    if (live === undefined && patchList === undefined) continue;

    const liveList = (live ?? []) as JsonValue[];
    const merged = mergeListField([...liveList], patchList ?? [], fieldSchema!);
    setKey(original, field, orderBySetElementOrder(merged, order, liveList, mergeKey));
    delete patch[field];
  }
}

/** `$deleteFromPrimitiveList/<field>: [..]` removes those values from a primitive list. */
function deleteFromPrimitiveList(original: JsonObject, directiveKey: string, values: JsonValue): void {
  const field = fieldOfDirective(directiveKey, DELETE_FROM_PRIMITIVE_LIST, "invalid patch format of primitive list");
  if (!Array.isArray(values)) throw patchBadRequest("invalid patch format of primitive list");
  const live = getKey(original, field);
  if (!Array.isArray(live)) return;
  const drop = new Set(values);
  setKey(original, field, live.filter((v) => !drop.has(v)));
}

function fieldOfDirective(key: string, prefix: string, malformed: string): string {
  const slash = key.indexOf("/");
  if (slash < 0 || key.slice(0, slash) !== prefix) throw patchBadRequest(malformed);
  return key.slice(slash + 1);
}

/** Schema of `key` inside `schema`: a named field of an object, the element schema of a map. */
function schemaOfField(schema: PatchSchema | undefined, key: string): PatchSchema | undefined {
  if (!schema) return undefined;
  if (schema.type === "object") return schema.field(key);
  if (schema.type === "map") return schema.items();
  return undefined;
}

/** `x-kubernetes-patch-strategy` is a comma list, e.g. "merge,retainKeys". */
function strategies(schema: PatchSchema | undefined): Set<string> {
  return new Set((schema?.patchStrategy ?? "").split(",").map((s) => s.trim()).filter(Boolean));
}

function isMergeList(schema: PatchSchema | undefined): boolean {
  return schema?.type === "array" && strategies(schema).has("merge");
}

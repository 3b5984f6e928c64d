import { deepClone, getKey, isJsonObject, setKey, type JsonObject, type JsonValue } from "./json-value.ts";
import { patchBadRequest } from "./patch-errors.ts";
import { checkPatchDepth, checkPatchedDepth } from "./patch-limits.ts";

/**
 * RFC 7386 JSON Merge Patch (`application/merge-patch+json`): objects merge recursively, `null`
 * deletes a member, everything else (arrays included) replaces. A patch for a Kubernetes object
 * must itself be an object; anything else is 400 "Invalid JSON Patch", as evanphx/json-patch
 * answers inside the apiserver.
 *
 * @example
 * applyMergePatch({ metadata: { labels: { a: "1", b: "2" } } }, { metadata: { labels: { a: null } } });
 * // → { metadata: { labels: { b: "2" } } }
 */
export function applyMergePatch(original: object, patch: unknown): JsonObject {
  if (!isJsonObject(patch)) throw patchBadRequest("Invalid JSON Patch");
  checkPatchDepth(patch); // mergeValue recurses as deep as the patch
  const patched = mergeValue(deepClone(original as JsonObject), patch) as JsonObject;
  checkPatchedDepth(patched); // an original stored deeper than the limit stays refused until a patch prunes it
  return patched;
}

/**
 * Merges `patch` into `target`, which it may modify (callers pass private copies); the patch is
 * only read. Exported for the strategic engine, whose fallback is exactly this.
 */
export function mergeValue(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return deepClone(patch);
  const out: JsonObject = isJsonObject(target) ? target : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key]!;
    if (value === null) {
      delete out[key];
    } else {
      setKey(out, key, mergeValue(getKey(out, key), value));
    }
  }
  return out;
}

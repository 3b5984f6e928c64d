/**
 * An object's ownerReferences as readers may trust them. An object stored before write
 * validation can hold `ownerReferences: "garbage"`, `5`, or entries without a uid; read
 * directly, `refs.find` throws — and in a controller that lists a namespace's pods, one such
 * pod fails every other key's reconcile. Malformed entries are left out: an owner that cannot
 * be read owns nothing, and the garbage collector never deletes on its account.
 */
import type { KubeObject, OwnerReference } from "./object.ts";

function wellFormed(r: unknown): r is OwnerReference {
  if (r === null || typeof r !== "object") return false;
  const ref = r as Record<string, unknown>;
  return typeof ref.uid === "string" && typeof ref.kind === "string" && typeof ref.name === "string";
}

/** @example ownerReferencesOf({ metadata: { ownerReferences: "garbage" } }) // [] */
export function ownerReferencesOf(obj: KubeObject): OwnerReference[] {
  const refs: unknown = obj.metadata?.ownerReferences;
  if (!Array.isArray(refs)) return [];
  return refs.every(wellFormed) ? refs : refs.filter(wellFormed);
}

/** The reference with controller: true, if one can be read. */
export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return ownerReferencesOf(obj).find((r) => r.controller === true);
}

/**
 * Versions of one resource that share a store (a custom resource's, ResourceInfo.storageVersion):
 * objects are written in the storage version and read in the version asked for. Conversion is
 * `None`, as the only one this server does: only apiVersion differs.
 */
import type { KubeObject } from "../../model/object.ts";
import { apiVersionOf } from "../../model/object.ts";
import type { ResourceDef } from "../resources/types.ts";

/** An object read from the store as `def`'s version shows it (see ResourceInfo.storageVersion). */
export function served(def: ResourceDef, obj: KubeObject): KubeObject {
  if (def.storageVersion === undefined) return obj;
  const want = apiVersionOf(def.group, def.version);
  if (obj.apiVersion === want) return obj;
  return def.conversion ? def.conversion.fromStorage(obj) : { ...obj, apiVersion: want };
}

/** A stored item's JSON as `def`'s version shows it, the store's own text when no rewrite is needed. */
export function servedJson(def: ResourceDef, item: { object: KubeObject; json?: string }): string {
  if (def.storageVersion === undefined || item.object.apiVersion === apiVersionOf(def.group, def.version)) return item.json ?? JSON.stringify(item.object);
  return JSON.stringify(served(def, item.object));
}

/** An object as it is written: in the storage version. */
export function toStorage(def: ResourceDef, obj: KubeObject): KubeObject {
  if (def.storageVersion === undefined) return obj;
  const want = apiVersionOf(def.storageGroup ?? def.group, def.storageVersion);
  if (obj.apiVersion === want) return obj;
  return def.conversion ? def.conversion.toStorage(obj) : { ...obj, apiVersion: want };
}



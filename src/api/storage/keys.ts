/** Store keys: `/<resource>[/<namespace>]/<name>`; list prefixes end in `/` so that `a` never matches `ab`. */
import type { ResourceDef } from "../resources/types.ts";
import { resourceKey } from "../resources/registry.ts";

export function objectStoreKey(def: ResourceDef, namespace: string | undefined, name: string): string {
  return def.namespaced ? `/${resourceKey(def)}/${namespace}/${name}` : `/${resourceKey(def)}/${name}`;
}

export function listPrefix(def: ResourceDef, namespace?: string): string {
  return def.namespaced && namespace ? `/${resourceKey(def)}/${namespace}/` : `/${resourceKey(def)}/`;
}

/**
 * The key of an object in an informer's cache and a work queue: `namespace/name`, or `name`
 * for cluster-scoped objects — client-go's MetaNamespaceKeyFunc.
 */
import type { KubeObject } from "../model/object.ts";

/** @example keyOf(pod) // "default/web-0"; keyOf(node) // "n1" */
export function keyOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

/** @example splitKey("default/web-0") // { namespace: "default", name: "web-0" } */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

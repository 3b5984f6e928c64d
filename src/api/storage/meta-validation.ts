/** ObjectMeta rules per kind: which name format a kind uses (namespaces are DNS labels, services DNS-1035). */
import type { KubeObject } from "../../model/object.ts";
import type { StatusCause } from "../../model/errors.ts";
import type { ResourceDef } from "../resources/types.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../model/meta-validation.ts";

const NAME_RULES: Record<string, "subdomain" | "label" | "1035" | "path"> = {
  Namespace: "label",
  Service: "1035",
  // Events are named `<object>.<hex>`, nodes by hostname; both are subdomains.
  // RBAC objects only need to be a path segment (`system:aggregate-to-view`).
  Role: "path",
  ClusterRole: "path",
  RoleBinding: "path",
  ClusterRoleBinding: "path",
};

export function validateMeta(def: ResourceDef, obj: KubeObject): StatusCause[] {
  return validateObjectMeta(obj.metadata, { namespaced: def.namespaced, nameRule: NAME_RULES[def.kind] ?? "subdomain" });
}

export function validateMetaUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  return validateObjectMetaUpdate(obj.metadata, old.metadata);
}

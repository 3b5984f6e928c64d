/** rbac.authorization.k8s.io/v1 validation, worded as kubernetes `pkg/apis/rbac/validation`. */
import type { KubeObject } from "../../../model/object.ts";
import type { StatusCause } from "../../../model/errors.ts";
import { invalid, notSupported, required } from "./causes.ts";

const RBAC_GROUP = "rbac.authorization.k8s.io";

function validateRules(rules: unknown, clusterScoped: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  if (rules === undefined || rules === null) return out;
  if (!Array.isArray(rules)) return [invalid("rules", rules, "must be a list")];
  rules.forEach((r: any, i) => {
    const at = `rules[${i}]`;
    if (!Array.isArray(r?.verbs) || r.verbs.length === 0) out.push(required(`${at}.verbs`, "Required value: verbs must contain at least one value"));
    const urls = Array.isArray(r?.nonResourceURLs) ? r.nonResourceURLs : [];
    if (urls.length > 0) {
      if (!clusterScoped) out.push(invalid(`${at}.nonResourceURLs`, urls, "namespaced rules cannot apply to non-resource URLs"));
      if ((r.apiGroups?.length ?? 0) > 0 || (r.resources?.length ?? 0) > 0) {
        out.push(invalid(`${at}.nonResourceURLs`, urls, "rules cannot apply to both regular resources and non-resource URLs"));
      }
      return;
    }
    if (!Array.isArray(r?.apiGroups) || r.apiGroups.length === 0) out.push(required(`${at}.apiGroups`, "Required value: resource rules must supply at least one api group"));
    if (!Array.isArray(r?.resources) || r.resources.length === 0) out.push(required(`${at}.resources`, "Required value: resource rules must supply at least one resource"));
  });
  return out;
}

export function validateRole(obj: KubeObject): StatusCause[] {
  return validateRules(obj.rules, false);
}

export function validateClusterRole(obj: KubeObject): StatusCause[] {
  return validateRules(obj.rules, true);
}

function validateBinding(obj: KubeObject, old: KubeObject | undefined, clusterScoped: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  const ref = obj.roleRef;
  if (!ref || typeof ref !== "object") out.push(required("roleRef"));
  else {
    if (ref.apiGroup !== RBAC_GROUP) out.push(notSupported("roleRef.apiGroup", ref.apiGroup, [RBAC_GROUP]));
    const kinds = clusterScoped ? ["ClusterRole"] : ["Role", "ClusterRole"];
    if (!kinds.includes(ref.kind)) out.push(notSupported("roleRef.kind", ref.kind, kinds));
    if (typeof ref.name !== "string" || ref.name === "") out.push(required("roleRef.name"));
  }
  if (old && !Bun.deepEquals(old.roleRef, obj.roleRef)) out.push(invalid("roleRef", obj.roleRef, "cannot change roleRef"));
  const subjects = obj.subjects ?? [];
  if (!Array.isArray(subjects)) out.push(invalid("subjects", subjects, "must be a list"));
  else subjects.forEach((s: any, i: number) => {
    const at = `subjects[${i}]`;
    if (typeof s?.name !== "string" || s.name === "") out.push(required(`${at}.name`));
    if (!["User", "Group", "ServiceAccount"].includes(s?.kind)) out.push(notSupported(`${at}.kind`, s?.kind, ["ServiceAccount", "User", "Group"]));
    else if (s.kind === "ServiceAccount") {
      if (s.apiGroup) out.push(notSupported(`${at}.apiGroup`, s.apiGroup, [""]));
      if (clusterScoped && !s.namespace) out.push(required(`${at}.namespace`));
    } else if (s.apiGroup !== RBAC_GROUP) out.push(notSupported(`${at}.apiGroup`, s.apiGroup, [RBAC_GROUP]));
  });
  return out;
}

export function validateRoleBinding(obj: KubeObject, old?: KubeObject): StatusCause[] {
  return validateBinding(obj, old, false);
}

export function validateClusterRoleBinding(obj: KubeObject, old?: KubeObject): StatusCause[] {
  return validateBinding(obj, old, true);
}

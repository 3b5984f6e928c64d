/**
 * Puts the default roles and bindings in place at every start, as the apiserver's RBAC
 * post-start hook reconciles them: a missing one is created; one annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "true"` (the default) gets back the rules and
 * subjects it lacks, keeping what an administrator added; `"false"` leaves it alone.
 * Aggregated roles get their rules from the aggregation controller, never from here.
 */
import { cloneObject } from "../../model/clone.ts";
import type { ObjectStorage } from "../../api/storage/object-storage.ts";
import type { ResourceRegistry } from "../../api/resources/registry.ts";
import { RBAC_GROUP, type BindingObject, type PolicyRule, type RoleObject, type Subject } from "../../api/auth/rbac/types.ts";
import type { KubeObject } from "../../model/object.ts";
import { DEFAULT_CLUSTER_ROLE_BINDINGS, DEFAULT_CLUSTER_ROLES } from "./default-policy.ts";

const AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate";

export async function reconcileDefaultPolicy(storage: ObjectStorage, registry: ResourceRegistry): Promise<void> {
  const roles = registry.find(RBAC_GROUP, "v1", "clusterroles")!;
  const bindings = registry.find(RBAC_GROUP, "v1", "clusterrolebindings")!;
  for (const want of DEFAULT_CLUSTER_ROLES) {
    await storage.update(roles, undefined, want.metadata.name!, (cur) => reconcileRole(cur as RoleObject, want), { createIfMissing: true });
  }
  for (const want of DEFAULT_CLUSTER_ROLE_BINDINGS) {
    await storage.update(bindings, undefined, want.metadata.name!, (cur) => reconcileBinding(cur as BindingObject, want), { createIfMissing: true });
  }
}

function isNew(cur: KubeObject): boolean {
  return !cur.metadata.resourceVersion;
}

export function reconcileRole(cur: RoleObject, want: RoleObject): KubeObject {
  if (isNew(cur)) return cloneObject(want);
  if (cur.metadata.annotations?.[AUTOUPDATE] === "false") return cur;
  const next: RoleObject = { ...cur, metadata: { ...cur.metadata, labels: { ...want.metadata.labels, ...cur.metadata.labels } } };
  if (want.aggregationRule) next.aggregationRule = want.aggregationRule;
  else next.rules = [...(cur.rules ?? []), ...(want.rules ?? []).filter((r) => !(cur.rules ?? []).some((c) => sameRule(c, r)))];
  return next;
}

export function reconcileBinding(cur: BindingObject, want: BindingObject): KubeObject {
  if (isNew(cur)) return cloneObject(want);
  if (cur.metadata.annotations?.[AUTOUPDATE] === "false") return cur;
  const have = cur.subjects ?? [];
  const missing = (want.subjects ?? []).filter((s) => !have.some((h) => sameSubject(h, s)));
  return missing.length ? { ...cur, subjects: [...have, ...missing] } : cur;
}

function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  const norm = (r: PolicyRule) => JSON.stringify([r.verbs, r.apiGroups ?? [], r.resources ?? [], r.resourceNames ?? [], r.nonResourceURLs ?? []]);
  return norm(a) === norm(b);
}

function sameSubject(a: Subject, b: Subject): boolean {
  return a.kind === b.kind && a.name === b.name && (a.namespace ?? "") === (b.namespace ?? "");
}

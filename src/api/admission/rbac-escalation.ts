/**
 * RBAC's escalation check on writes of roles and bindings (kubernetes
 * `pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased`):
 * - a Role or ClusterRole may hold only rules its writer holds, unless the writer may
 *   `escalate` that role; an aggregationRule needs `escalate` (cluster-admin's privilege);
 * - a binding may reference only a role whose rules its writer holds (in the binding's
 *   namespace), unless the writer may `bind` that role.
 * `system:masters` and the server's own writes pass.
 */
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";
import type { Authorizer, UserInfo } from "../auth/types.ts";
import type { RbacAuthorizer } from "../auth/rbac/rbac-authorizer.ts";
import { escalationMessage, uncoveredRules } from "../auth/rbac/escalation.ts";
import { RBAC_GROUP, type BindingObject, type PolicyRule, type PolicySource, type RoleObject } from "../auth/rbac/types.ts";
import { StatusError } from "../../model/errors.ts";
import { SYSTEM_MASTERS } from "../auth/authorize.ts";

export interface RbacEscalationDeps {
  authorizer: Authorizer;
  rbac: RbacAuthorizer;
  policy: PolicySource;
}

export function rbacEscalation(deps: () => RbacEscalationDeps): AdmissionPlugin {
  return {
    name: "RBACEscalation",
    admit(req) {
      if (req.def.group !== RBAC_GROUP || req.operation === "DELETE" || !req.user) return;
      if (req.user.groups.includes(SYSTEM_MASTERS)) return;
      const d = deps();
      const ns = req.object.metadata.namespace || undefined;
      switch (req.def.plural) {
        case "roles":
        case "clusterroles":
          return checkRole(d, req, req.user, ns);
        case "rolebindings":
        case "clusterrolebindings":
          return checkBinding(d, req, req.user, ns);
      }
    },
  };
}

function forbidden(req: AdmissionRequest, message: string): StatusError {
  const name = req.object.metadata.name ?? "";
  return new StatusError(403, "Forbidden", `${req.def.plural}.${RBAC_GROUP} ${JSON.stringify(name)} is forbidden: ${message}`, {
    name, group: RBAC_GROUP, kind: req.def.plural,
  });
}

function may(d: RbacEscalationDeps, user: UserInfo, verb: string, resource: string, namespace: string | undefined, name: string): boolean {
  return d.authorizer.authorize({ user, verb, resourceRequest: true, group: RBAC_GROUP, resource, namespace, name, path: "" }).allowed;
}

function checkRole(d: RbacEscalationDeps, req: AdmissionRequest, user: UserInfo, ns: string | undefined): void {
  const role = req.object as RoleObject;
  if (may(d, user, "escalate", req.def.plural, ns, role.metadata.name ?? "")) return;
  if (role.aggregationRule?.clusterRoleSelectors?.length) throw forbidden(req, "must have cluster-admin privileges to use the aggregationRule");
  confirmNoEscalation(d, req, user, ns, role.rules ?? []);
}

function checkBinding(d: RbacEscalationDeps, req: AdmissionRequest, user: UserInfo, ns: string | undefined): void {
  const ref = (req.object as BindingObject).roleRef;
  const plural = ref.kind === "Role" ? "roles" : "clusterroles";
  if (may(d, user, "bind", plural, ns, ref.name)) return;
  const role = ref.kind === "Role" ? (ns ? d.policy.role(ns, ref.name) : undefined) : d.policy.clusterRole(ref.name);
  if (!role) throw forbidden(req, `${ref.kind.toLowerCase()}.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found`);
  confirmNoEscalation(d, req, user, ns, role.rules ?? []);
}

function confirmNoEscalation(d: RbacEscalationDeps, req: AdmissionRequest, user: UserInfo, ns: string | undefined, rules: PolicyRule[]): void {
  const owner = d.rbac.rulesFor(user, ns);
  const missing = uncoveredRules(owner.rules, rules);
  if (missing.length === 0) return;
  let msg = escalationMessage(user, missing);
  if (owner.errors.length) msg += `; resolution errors: [${owner.errors.join(" ")}]`;
  throw forbidden(req, msg);
}

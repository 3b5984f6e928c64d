/**
 * The RBAC authorizer (kubernetes `plugin/pkg/auth/authorizer/rbac`): a request is allowed
 * when a rule of a role bound to the user allows it — ClusterRoleBindings everywhere,
 * RoleBindings in their namespace (to a Role there or to a ClusterRole, whose rules then hold
 * in that namespace only). It never denies outright: "no opinion" lets another authorizer of
 * the union allow. A binding to a role that does not exist grants nothing and is told in the
 * reason, as the apiserver does.
 */
import type { AuthorizationRequest, Authorizer, Decision, UserInfo } from "../types.ts";
import { ruleAllows } from "./rule-match.ts";
import { RBAC_GROUP, type BindingObject, type PolicyRule, type PolicySource, type Subject } from "./types.ts";

export const SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

export interface ResolvedRules {
  rules: PolicyRule[];
  /** Bindings whose role is missing: `clusterrole.rbac.authorization.k8s.io "x" not found`. */
  errors: string[];
}

export class RbacAuthorizer implements Authorizer {
  constructor(private readonly source: PolicySource) {}

  authorize(req: AuthorizationRequest): Decision {
    const errors: string[] = [];
    const allowed = this.visit(req.user, req.namespace, (rule) => ruleAllows(req, rule), errors);
    if (allowed) return { allowed: true };
    return { allowed: false, reason: errors.length ? `RBAC: [${errors.join(", ")}]` : undefined };
  }

  /** Every rule that holds for `user` in `namespace` (cluster-wide ones included): SelfSubjectRulesReview, escalation checks. */
  rulesFor(user: UserInfo, namespace: string | undefined): ResolvedRules {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visit(user, namespace, (rule) => {
      rules.push(rule);
      return false;
    }, errors);
    return { rules, errors };
  }

  /** Calls `visit` with each rule the user holds until it returns true. */
  private visit(user: UserInfo, namespace: string | undefined, visit: (rule: PolicyRule) => boolean, errors: string[]): boolean {
    for (const b of this.source.clusterRoleBindings()) {
      if (!bindingAppliesTo(b, user, "")) continue;
      const role = b.roleRef?.kind === "ClusterRole" ? this.source.clusterRole(b.roleRef.name) : undefined;
      if (!role) {
        errors.push(`clusterrole.${RBAC_GROUP} "${b.roleRef?.name}" not found`);
        continue;
      }
      for (const r of role.rules ?? []) if (visit(r)) return true;
    }
    if (!namespace) return false;
    for (const b of this.source.roleBindings(namespace)) {
      if (!bindingAppliesTo(b, user, namespace)) continue;
      const ref = b.roleRef;
      const role = ref?.kind === "Role" ? this.source.role(namespace, ref.name) : ref?.kind === "ClusterRole" ? this.source.clusterRole(ref.name) : undefined;
      if (!role) {
        errors.push(`${(ref?.kind ?? "role").toLowerCase()}.${RBAC_GROUP} "${ref?.name}" not found`);
        continue;
      }
      for (const r of role.rules ?? []) if (visit(r)) return true;
    }
    return false;
  }
}

export function bindingAppliesTo(b: BindingObject, user: UserInfo, bindingNamespace: string): boolean {
  return (b.subjects ?? []).some((s) => subjectMatches(s, user, bindingNamespace));
}

/** A ServiceAccount subject without a namespace means the binding's own (RoleBindings only). */
export function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (s.kind) {
    case "User":
      return s.name === user.user;
    case "Group":
      return user.groups.includes(s.name);
    case "ServiceAccount": {
      const ns = s.namespace || bindingNamespace;
      return ns !== "" && user.user === `${SERVICE_ACCOUNT_PREFIX}${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

/**
 * A SelfSubjectRulesReview's status: every rule the user holds in a namespace, split as the
 * apiserver splits them (resourceRules / nonResourceRules), the node rules included for a node.
 */
import type { RbacAuthorizer } from "./rbac/rbac-authorizer.ts";
import type { PolicyRule } from "./rbac/types.ts";
import type { ReviewDeps, UserInfo } from "./types.ts";
import { nodeNameOf } from "./node/node-authorizer.ts";
import { NODE_RULES } from "./node/node-rules.ts";

export function rulesReview(rbac: RbacAuthorizer): ReviewDeps["rulesFor"] {
  return (user: UserInfo, namespace: string) => {
    const { rules, errors } = rbac.rulesFor(user, namespace || undefined);
    const all: PolicyRule[] = nodeNameOf(user) !== undefined ? [...NODE_RULES, ...rules] : rules;
    return {
      resourceRules: all.filter((r) => !r.nonResourceURLs?.length).map((r) => ({
        verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
      })),
      nonResourceRules: all.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
      incomplete: errors.length > 0,
      ...(errors.length ? { evaluationError: errors.join(", ") } : {}),
    };
  };
}

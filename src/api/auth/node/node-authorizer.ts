/**
 * The node authorizer (kubernetes `plugin/pkg/auth/authorizer/node`): a user
 * `system:node:<name>` in `system:nodes` may do what the node rules allow. Others get no
 * opinion from it (RBAC decides for them).
 */
import type { AuthorizationRequest, Authorizer, Decision, UserInfo } from "../types.ts";
import { ruleAllows } from "../rbac/rule-match.ts";
import { NODE_RULES } from "./node-rules.ts";

export const NODES_GROUP = "system:nodes";
const NODE_PREFIX = "system:node:";

/** The node a user is, or undefined when it is no node identity. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.user.startsWith(NODE_PREFIX)) return undefined;
  const name = user.user.slice(NODE_PREFIX.length);
  return name === "" ? undefined : name;
}

export class NodeAuthorizer implements Authorizer {
  authorize(req: AuthorizationRequest): Decision {
    if (nodeNameOf(req.user) === undefined) return { allowed: false };
    return NODE_RULES.some((r) => ruleAllows(req, r)) ? { allowed: true } : { allowed: false };
  }
}

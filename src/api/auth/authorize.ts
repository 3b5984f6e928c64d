/**
 * Authorization as the apiserver chains it: `system:masters` may do anything (the privileged
 * group authorizer, before any other), then each authorizer in turn (Node, RBAC); the first
 * to allow or deny decides, "no opinion" from all is a 403 whose reason joins theirs.
 */
import type { AuthorizationRequest, Authorizer, Decision } from "./types.ts";

export const SYSTEM_MASTERS = "system:masters";

export const privilegedGroupAuthorizer: Authorizer = {
  authorize(req) {
    return req.user.groups.includes(SYSTEM_MASTERS) ? { allowed: true } : { allowed: false };
  },
};

export function unionAuthorizer(...chain: Authorizer[]): Authorizer {
  return {
    authorize(req: AuthorizationRequest): Decision {
      const reasons: string[] = [];
      for (const a of chain) {
        const d = a.authorize(req);
        if (d.allowed || d.denied) return d;
        if (d.reason) reasons.push(d.reason);
      }
      return { allowed: false, reason: reasons.length ? reasons.join(", ") : undefined };
    },
  };
}

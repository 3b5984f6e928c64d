/**
 * Authorization. For now every authenticated user may do everything (the first
 * step); RBAC and the node authorizer plug in here, behind the same interface.
 */
import type { Authorizer } from "./types.ts";

export const allowAuthenticated: Authorizer = {
  authorize(req) {
    return req.user.groups.includes("system:authenticated") ? { allowed: true } : { allowed: false, reason: "not authenticated" };
  },
};

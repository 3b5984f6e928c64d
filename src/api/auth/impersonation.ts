/**
 * Impersonation (kubernetes `apiserver/pkg/endpoints/filters/impersonation.go`): the headers
 * `Impersonate-User`, `Impersonate-Group` (repeated), `Impersonate-Uid` and
 * `Impersonate-Extra-<key>` make the request run as someone else — `kubectl --as`,
 * `--as-group`, `--as-uid`. Each part needs the `impersonate` verb: on `users` (or, for a
 * service account's name, on that `serviceaccounts` object), `groups`, `uids` and
 * `userextras/<key>` in authentication.k8s.io. The impersonated user is authenticated like
 * any other (`system:authenticated`, and a service account's groups).
 */
import { errors } from "../../model/errors.ts";
import { forbidden } from "./attributes.ts";
import { AUTHENTICATED_GROUP } from "./authenticate.ts";
import type { Authorizer, AuthorizationRequest, UserInfo } from "./types.ts";
import { SERVICE_ACCOUNT_PREFIX } from "./rbac/rbac-authorizer.ts";

const EXTRA_PREFIX = "impersonate-extra-";

/** The user to run the request as; `user` itself when no impersonation header is set. Throws 403/400. */
export function impersonate(headers: Headers, user: UserInfo, authorizer: Authorizer): UserInfo {
  const name = headers.get("impersonate-user");
  const groups = headerValues(headers, "impersonate-group");
  const uid = headers.get("impersonate-uid");
  const extra: Record<string, string[]> = {};
  headers.forEach((value, key) => {
    if (!key.toLowerCase().startsWith(EXTRA_PREFIX)) return;
    const k = decodeURIComponent(key.slice(EXTRA_PREFIX.length)).toLowerCase();
    (extra[k] ??= []).push(...value.split(",").map((v) => v.trim()));
  });
  if (name === null) {
    if (groups.length || uid !== null || Object.keys(extra).length) {
      throw errors.badRequest("requested impersonation of groups, uid or extra without a user: Impersonate-User is required");
    }
    return user;
  }
  const check = (a: Omit<AuthorizationRequest, "user" | "verb" | "resourceRequest" | "path">) => {
    const attrs: AuthorizationRequest = { user, verb: "impersonate", resourceRequest: true, path: "", ...a };
    const d = authorizer.authorize(attrs);
    if (!d.allowed) throw forbidden(attrs, d.reason);
  };
  const sa = serviceAccountOf(name);
  if (sa) check({ group: "", resource: "serviceaccounts", namespace: sa.namespace, name: sa.name });
  else check({ group: "", resource: "users", name });
  for (const g of groups) check({ group: "", resource: "groups", name: g });
  if (uid !== null) check({ group: "authentication.k8s.io", resource: "uids", name: uid });
  for (const [k, values] of Object.entries(extra)) {
    for (const v of values) check({ group: "authentication.k8s.io", resource: "userextras", subresource: k, name: v });
  }
  const allGroups = [...groups];
  if (sa) allGroups.push("system:serviceaccounts", `system:serviceaccounts:${sa.namespace}`);
  if (name !== "system:anonymous" && !allGroups.includes(AUTHENTICATED_GROUP)) allGroups.push(AUTHENTICATED_GROUP);
  return {
    user: name,
    groups: [...new Set(allGroups)],
    ...(uid !== null ? { uid } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}

function headerValues(headers: Headers, name: string): string[] {
  const v = headers.get(name);
  return v === null ? [] : v.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function serviceAccountOf(name: string): { namespace: string; name: string } | undefined {
  if (!name.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const [namespace, sa] = name.slice(SERVICE_ACCOUNT_PREFIX.length).split(":");
  return namespace && sa ? { namespace, name: sa } : undefined;
}

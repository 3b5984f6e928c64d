/**
 * What a request asks, for authorization (the apiserver's RequestInfoResolver), and the 403
 * it gets when refused, in the apiserver's words (`responsewriters.forbiddenMessage`).
 */
import { parseResourcePath, type ResourcePath } from "../path.ts";
import { isWatch } from "../options/list-options.ts";
import { StatusError } from "../../model/errors.ts";
import { parseFieldSelector } from "../../model/field-selector.ts";
import { selectedName } from "../storage/filter.ts";
import type { AuthorizationRequest, UserInfo } from "./types.ts";

/**
 * @example attributesOf(user, "GET", new URL("https://h/api/v1/namespaces/y/secrets"))
 * // { verb: "list", resourceRequest: true, group: "", resource: "secrets", namespace: "y", … }
 */
export function attributesOf(user: UserInfo, method: string, url: URL, path: ResourcePath | undefined = parseResourcePath(url.pathname)): AuthorizationRequest {
  if (!path) return { user, verb: method === "HEAD" ? "get" : method.toLowerCase(), resourceRequest: false, group: "", resource: "", path: url.pathname };
  const verb = resourceVerb(method, !!path.name, isWatch(url.searchParams, path.watchPath));
  return {
    user,
    verb,
    resourceRequest: true,
    group: path.group,
    version: path.version,
    resource: path.resource,
    subresource: path.subresource,
    // The Namespace object is in its own namespace, as the apiserver sees it.
    namespace: path.namespace ?? (path.group === "" && path.resource === "namespaces" ? path.name : undefined),
    name: path.name ?? ((verb === "list" || verb === "watch") ? nameOfSelector(url.searchParams.get("fieldSelector")) : undefined),
    ...(url.searchParams.has("fieldSelector") ? { fieldSelector: url.searchParams.get("fieldSelector")! } : {}),
    path: url.pathname,
  };
}

/**
 * A list or watch of one object by `fieldSelector=metadata.name=<name>` is authorized as that
 * object's, as the apiserver's RequestInfoFactory names it: RBAC resourceNames then allow it,
 * and a node may watch a ConfigMap or Secret its pods use (the kubelet's watch of each one).
 * A selector that does not parse names nothing (the list answers its 400 itself).
 */
function nameOfSelector(selector: string | null): string | undefined {
  if (!selector) return undefined;
  try {
    const name = selectedName(parseFieldSelector(selector));
    // Only a name that could be a path segment, as IsValidPathSegmentName asks.
    return name && name !== "." && name !== ".." && !/[/%]/.test(name) ? name : undefined;
  } catch {
    return undefined;
  }
}

export function resourceVerb(method: string, hasName: boolean, watch: boolean): string {
  switch (method) {
    case "GET":
    case "HEAD":
      return watch ? "watch" : hasName ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return hasName ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

/** `pods "p" is forbidden: User "x" cannot get resource "pods/log" in API group "" in the namespace "y"[: reason]` */
export function forbidden(a: AuthorizationRequest, reason?: string): StatusError {
  const who = `User ${JSON.stringify(a.user.user)}`;
  let msg: string;
  if (!a.resourceRequest) msg = `${who} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  else {
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const where = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : "at the cluster scope";
    msg = `${who} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.group)} ${where}`;
  }
  if (reason) msg += `: ${reason}`;
  if (!a.resourceRequest) return new StatusError(403, "Forbidden", `forbidden: ${msg}`, {});
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
  const head = a.name ? `${qualified} ${JSON.stringify(a.name)}` : qualified;
  return new StatusError(403, "Forbidden", `${head} is forbidden: ${msg}`, { name: a.name, group: a.group || undefined, kind: a.resource });
}

/**
 * The review resources: create-only, never stored, answered from authentication and
 * authorization (kubernetes `pkg/registry/authorization/*`, `pkg/registry/authentication/*`):
 * - authorization.k8s.io/v1 SelfSubjectAccessReview (`kubectl auth can-i`),
 *   SelfSubjectRulesReview (`kubectl auth can-i --list`), SubjectAccessReview,
 *   LocalSubjectAccessReview;
 * - authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`), TokenReview.
 * The answer is the request object with its status filled in, 201 as for any create.
 */
import type { KubeObject } from "../../model/object.ts";
import { errors } from "../../model/errors.ts";
import { decodeObject, readBody } from "../request.ts";
import { json } from "./respond.ts";
import type { ResourceContext } from "./context.ts";
import type { AuthorizationRequest, ReviewDeps, UserInfo } from "../auth/types.ts";

export const REVIEW_RESOURCES = new Set([
  "authorization.k8s.io/selfsubjectaccessreviews",
  "authorization.k8s.io/selfsubjectrulesreviews",
  "authorization.k8s.io/subjectaccessreviews",
  "authorization.k8s.io/localsubjectaccessreviews",
  "authentication.k8s.io/selfsubjectreviews",
  "authentication.k8s.io/tokenreviews",
]);

export function isReview(group: string, plural: string): boolean {
  return REVIEW_RESOURCES.has(`${group}/${plural}`);
}

export async function reviewHandler(ctx: ResourceContext, deps: ReviewDeps | undefined): Promise<Response> {
  if (ctx.req.method !== "POST" || ctx.path.name) throw errors.methodNotAllowed("the server does not allow this method on the requested resource");
  if (!deps || !ctx.user) throw errors.internal("reviews are not served here");
  const obj = decodeObject(ctx.req.headers.get("content-type"), await readBody(ctx.req)) as KubeObject;
  if (obj.kind !== undefined && obj.kind !== ctx.def.kind) throw errors.badRequest(`expected ${ctx.def.kind}, got ${obj.kind}`);
  const out: KubeObject = { ...obj, apiVersion: `${ctx.def.group}/${ctx.def.version}`, kind: ctx.def.kind, metadata: { ...(obj.metadata ?? {}), creationTimestamp: null } as any };
  const spec = (obj.spec ?? {}) as Record<string, any>;
  switch (ctx.def.plural) {
    case "selfsubjectaccessreviews":
      out.status = accessStatus(deps, ctx.user, spec);
      break;
    case "localsubjectaccessreviews":
      if (spec.resourceAttributes?.namespace !== undefined && spec.resourceAttributes.namespace !== ctx.path.namespace) {
        throw invalidSpec(ctx, "spec.resourceAttributes.namespace", spec.resourceAttributes.namespace, "must match metadata.namespace");
      }
      out.status = accessStatus(deps, subjectOf(ctx, spec), { ...spec, resourceAttributes: { ...spec.resourceAttributes, namespace: ctx.path.namespace } });
      break;
    case "subjectaccessreviews":
      out.status = accessStatus(deps, subjectOf(ctx, spec), spec);
      break;
    case "selfsubjectrulesreviews": {
      if (typeof spec.namespace !== "string") throw invalidSpec(ctx, "spec.namespace", spec.namespace, "must be a string");
      out.status = deps.rulesFor(ctx.user, spec.namespace);
      break;
    }
    case "selfsubjectreviews":
      out.status = { userInfo: userInfoOf(ctx.user) };
      break;
    case "tokenreviews": {
      if (typeof spec.token !== "string" || spec.token === "") throw invalidSpec(ctx, "spec.token", "", "token must be set");
      const found = await deps.authenticateToken?.(spec.token, spec.audiences);
      out.status = found
        ? { authenticated: true, user: userInfoOf(found.user), audiences: found.audiences }
        : { authenticated: false, error: "invalid bearer token", user: {} };
      break;
    }
  }
  return json(out, 201);
}

function invalidSpec(ctx: ResourceContext, field: string, value: unknown, detail: string) {
  return errors.invalid(ctx.def.group, ctx.def.kind, "", [{ reason: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` }]);
}

function subjectOf(ctx: ResourceContext, spec: Record<string, any>): UserInfo {
  if (typeof spec.user !== "string" && !Array.isArray(spec.groups)) {
    throw invalidSpec(ctx, "spec.user", "", "at least one of user or group must be specified");
  }
  return { user: spec.user ?? "", groups: Array.isArray(spec.groups) ? spec.groups.map(String) : [], uid: spec.uid, extra: spec.extra };
}

function userInfoOf(u: UserInfo): Record<string, unknown> {
  return { username: u.user, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}) };
}

function accessStatus(deps: ReviewDeps, user: UserInfo, spec: Record<string, any>): Record<string, unknown> {
  let attrs: AuthorizationRequest;
  const ra = spec.resourceAttributes;
  const na = spec.nonResourceAttributes;
  if (ra && typeof ra === "object") {
    attrs = {
      user, verb: String(ra.verb ?? ""), resourceRequest: true, group: String(ra.group ?? ""), version: ra.version,
      resource: String(ra.resource ?? ""), subresource: ra.subresource || undefined, namespace: ra.namespace || undefined, name: ra.name || undefined, path: "",
    };
  } else if (na && typeof na === "object") {
    attrs = { user, verb: String(na.verb ?? ""), resourceRequest: false, group: "", resource: "", path: String(na.path ?? "") };
  } else {
    throw errors.invalid("authorization.k8s.io", "SelfSubjectAccessReview", "", [
      { reason: "FieldValueRequired", field: "spec.resourceAttributes", message: "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified" },
    ]);
  }
  const d = deps.authorizer.authorize(attrs);
  return { allowed: d.allowed, ...(d.denied ? { denied: true } : {}), ...(d.reason ? { reason: d.reason } : {}) };
}

/**
 * `POST serviceaccounts/<name>/token`: a TokenRequest in, the same TokenRequest with
 * `status.token` and `status.expirationTimestamp` out (201) — `kubectl create token`, and the
 * agent's projected service-account tokens.
 */
import type { KubeObject } from "../../model/object.ts";
import { errors } from "../../model/errors.ts";
import { decodeObject, readBody } from "../request.ts";
import { json } from "./respond.ts";
import type { ResourceContext } from "./context.ts";
import { nodeNameOf } from "../auth/node/node-authorizer.ts";
import { StatusError } from "../../model/errors.ts";

/** NodeRestriction for tokens: a node asks only for tokens bound to a pod it runs. */
async function checkNodeBinding(ctx: ResourceContext, node: string, ref: any): Promise<void> {
  const refuse = (why: string) =>
    new StatusError(403, "Forbidden", `serviceaccounts ${JSON.stringify(ctx.path.name)} is forbidden: ${why}`, { name: ctx.path.name, kind: "serviceaccounts" });
  if (ref?.kind !== "Pod") throw refuse("node requested token not bound to a pod");
  const pod = await ctx.storage.tryGet(ctx.registry.find("", "v1", "pods")!, ctx.path.namespace, String(ref.name ?? ""));
  if (!pod || (ref.uid && ref.uid !== pod.metadata.uid)) throw refuse("node requested token bound to a pod that does not exist");
  if (pod.spec?.nodeName !== node) throw refuse("node requested token bound to a pod scheduled on a different node");
}

export async function tokenRequestHandler(ctx: ResourceContext): Promise<Response> {
  if (ctx.req.method !== "POST") throw errors.methodNotAllowed("the server does not allow this method on the requested resource");
  if (!ctx.tokens) throw errors.notFound("", "serviceaccounts/token", ctx.path.name ?? "");
  const body = decodeObject(ctx.req.headers.get("content-type"), await readBody(ctx.req)) as KubeObject;
  if (body.kind !== undefined && body.kind !== "TokenRequest") throw errors.badRequest(`expected TokenRequest, got ${body.kind}`);
  const spec = body.spec ?? {};
  if (spec.audiences !== undefined && spec.audiences !== null && (!Array.isArray(spec.audiences) || spec.audiences.some((a: unknown) => typeof a !== "string"))) {
    throw errors.badRequest("spec.audiences must be a list of strings");
  }
  const node = ctx.user && nodeNameOf(ctx.user);
  if (node) await checkNodeBinding(ctx, node, spec.boundObjectRef);
  const issued = await ctx.tokens.issue(ctx.path.namespace!, ctx.path.name!, spec);
  return json({
    kind: "TokenRequest",
    apiVersion: "authentication.k8s.io/v1",
    metadata: { name: ctx.path.name, namespace: ctx.path.namespace, creationTimestamp: null },
    spec: { ...spec, audiences: issued.audiences, expirationSeconds: spec.expirationSeconds ?? 3600, boundObjectRef: spec.boundObjectRef ?? null },
    status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
  }, 201);
}

/**
 * `pods/binding`: the scheduler's way to set spec.nodeName, exactly once. A pod already bound
 * (or being deleted) answers 409, as the apiserver's assignPod does.
 */
import { errors } from "../../model/errors.ts";
import { decodeObject, readBody, writeQuery } from "../request.ts";
import { json } from "./respond.ts";
import { bindPod } from "../storage/bind-pod.ts";
import type { ResourceContext } from "./context.ts";

export async function bindPodHandler(ctx: ResourceContext): Promise<Response> {
  const q = writeQuery(ctx.url);
  const body = decodeObject(ctx.req.headers.get("content-type"), await readBody(ctx.req));
  const target = body?.target;
  const name = ctx.path.name!;
  if (body.kind !== undefined && body.kind !== "Binding") throw errors.badRequest(`expected Binding, got ${body.kind}`);
  if (body.metadata?.name && body.metadata.name !== name) throw errors.badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
  if (!target?.name || (target.kind !== undefined && target.kind !== "Node" && target.kind !== "")) {
    throw errors.invalid("", "Binding", name, [{ reason: "FieldValueRequired", field: "target.name", message: "Required value" }]);
  }
  await bindPod(ctx.storage, ctx.def, ctx.path.namespace!, name, {
    node: target.name,
    uid: body.metadata?.uid,
    annotations: body.metadata?.annotations,
    dryRun: q.dryRun,
  });
  return json({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 }, 201);
}

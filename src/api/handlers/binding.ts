/**
 * `pods/binding`: the scheduler's way to set spec.nodeName, exactly once. A pod already bound
 * (or being deleted) answers 409, as the apiserver's assignPod does.
 */
import { errors } from "../../model/errors.ts";
import { decodeObject, readBody, writeQuery } from "../request.ts";
import { json } from "./respond.ts";
import type { ResourceContext } from "./resource.ts";

export async function bindPod(ctx: ResourceContext): Promise<Response> {
  const q = writeQuery(ctx.url);
  const body = decodeObject(ctx.req.headers.get("content-type"), await readBody(ctx.req));
  const target = body?.target;
  const name = ctx.path.name!;
  if (body.kind !== undefined && body.kind !== "Binding") throw errors.badRequest(`expected Binding, got ${body.kind}`);
  if (body.metadata?.name && body.metadata.name !== name) throw errors.badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
  if (!target?.name || (target.kind !== undefined && target.kind !== "Node" && target.kind !== "")) {
    throw errors.invalid("", "Binding", name, [{ reason: "FieldValueRequired", field: "target.name", message: "Required value" }]);
  }
  await ctx.storage.update(
    ctx.def,
    ctx.path.namespace,
    name,
    (pod) => {
      if (pod.metadata.deletionTimestamp) throw errors.conflict("", "pods", name, "pod is being deleted, cannot be assigned to a host");
      if (pod.spec?.nodeName) throw errors.conflict("", "pods", name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
      if (body.metadata?.uid && body.metadata.uid !== pod.metadata.uid) {
        throw errors.conflict("", "pods", name, `Precondition failed: UID in precondition: ${body.metadata.uid}, UID in object meta: ${pod.metadata.uid}`);
      }
      pod.spec.nodeName = target.name;
      pod.status ??= {};
      pod.status.conditions = [
        ...(pod.status.conditions ?? []).filter((c: any) => c.type !== "PodScheduled"),
        { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") },
      ];
      for (const [k, v] of Object.entries(body.metadata?.annotations ?? {})) {
        pod.metadata.annotations ??= {};
        pod.metadata.annotations[k] = String(v);
      }
      return pod;
    },
    // Binding writes spec and status together, so it goes through as a full write of the pod
    // (the main resource would drop status, the status subresource would drop spec).
    { dryRun: q.dryRun, subresource: "binding" },
  );
  return json({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 }, 201);
}

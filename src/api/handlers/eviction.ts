/**
 * `pods/eviction`: a policy/v1 (or v1beta1) Eviction, as JSON, YAML or protobuf (kubectl
 * drain sends protobuf). The rules live in storage/evict-pod.ts; this only decodes, folds the
 * request's dryRun into the Eviction's deleteOptions (propagateDryRun) and answers with a
 * Status: 201 Success, or the Failure Status Kubernetes returns for a pod under two budgets.
 */
import { errors } from "../../model/errors.ts";
import { decodeObject, readBody, writeQuery } from "../request.ts";
import { json } from "./respond.ts";
import { evictPod } from "../storage/evict-pod.ts";
import type { DeleteOptions } from "../storage/object-storage.ts";
import type { ResourceContext } from "./context.ts";

const EVICTION_VERSIONS = ["policy/v1", "policy/v1beta1"];

export async function evictPodHandler(ctx: ResourceContext): Promise<Response> {
  const q = writeQuery(ctx.url);
  const body = decodeObject(ctx.req.headers.get("content-type"), await readBody(ctx.req));
  const name = ctx.path.name!;
  const namespace = ctx.path.namespace!;
  if (body.kind !== undefined && body.kind !== "Eviction") throw errors.badRequest(`expected Eviction, got ${body.kind}`);
  if (body.apiVersion !== undefined && !EVICTION_VERSIONS.includes(body.apiVersion)) {
    throw errors.badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (policy/v1)`);
  }
  if (body.metadata?.namespace && body.metadata.namespace !== namespace) {
    throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  if ((body.metadata?.name ?? "") !== name) throw errors.badRequest("name in URL does not match name in Eviction object");
  const pdbs = ctx.registry.find("policy", "v1", "poddisruptionbudgets");
  if (!pdbs) throw errors.internal("poddisruptionbudgets are not served");
  const outcome = await evictPod(ctx.storage, { pods: ctx.def, pdbs }, { namespace, name, deleteOptions: deleteOptionsOf(body.deleteOptions, q.dryRun) });
  if (!outcome.evicted) return json({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: outcome.message, code: outcome.code }, outcome.code);
  return json({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 }, 201);
}

function deleteOptionsOf(body: Record<string, any> | undefined, queryDryRun: boolean): DeleteOptions {
  const o: DeleteOptions = {};
  if (body?.gracePeriodSeconds !== undefined && body.gracePeriodSeconds !== null) {
    const grace = Number(body.gracePeriodSeconds);
    if (!Number.isInteger(grace)) throw errors.badRequest(`invalid gracePeriodSeconds: ${JSON.stringify(body.gracePeriodSeconds)}`);
    o.gracePeriodSeconds = grace;
  }
  if (body?.preconditions) {
    const { uid, resourceVersion } = body.preconditions;
    o.preconditions = { ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) };
  }
  if (body?.propagationPolicy) {
    if (!["Orphan", "Background", "Foreground"].includes(body.propagationPolicy)) {
      throw errors.invalid("meta.k8s.io", "DeleteOptions", "", [{ reason: "FieldValueNotSupported", field: "propagationPolicy", message: `Unsupported value: ${JSON.stringify(body.propagationPolicy)}: supported values: "Foreground", "Background", "Orphan", "nil"` }]);
    }
    o.propagationPolicy = body.propagationPolicy;
  }
  if (body?.orphanDependents) o.orphanDependents = true;
  const bodyDryRun: unknown[] = Array.isArray(body?.dryRun) ? body.dryRun : [];
  for (const d of bodyDryRun) if (d !== "All") throw errors.badRequest(`Invalid dry run value: ${JSON.stringify(d)}: supported values: "All"`);
  // propagateDryRun: either side may ask for it; with only "All" valid, the two cannot disagree.
  if (queryDryRun || bodyDryRun.length > 0) o.dryRun = true;
  return o;
}

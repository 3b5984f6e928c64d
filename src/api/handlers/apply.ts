/**
 * PATCH with `application/apply-patch+yaml`: server-side apply (api/apply/). The body is the
 * manager's whole configuration of the object, in YAML or JSON; `fieldManager` is required,
 * `force` takes fields from other managers. Creates the object when it does not exist.
 */
import type { KubeObject } from "../../model/object.ts";
import { apiVersionOf, nowTimestamp } from "../../model/object.ts";
import { errors } from "../../model/errors.ts";
import type { ResourceContext } from "./context.ts";
import { decodeBody, readBody, type WriteQuery } from "../request.ts";
import { serverSideApply } from "../apply/server-side-apply.ts";
import { applySchemaOf } from "./field-manager.ts";
import { checkFields } from "./fields.ts";
import { hasStatus } from "../storage/lifecycle.ts";
import { servedResponse, warningHeaders } from "./respond.ts";
import { boolParam } from "../options/query-params.ts";

export const APPLY_PATCH = "application/apply-patch+yaml";

export async function applyHandler(ctx: ResourceContext, q: WriteQuery, checkKind: (obj: KubeObject) => void): Promise<Response> {
  const { def, path } = ctx;
  const force = boolParam(ctx.url.searchParams, "force");
  if (!q.fieldManager) {
    throw errors.invalid("meta.k8s.io", "PatchOptions", "", [{ reason: "FieldValueRequired", field: "fieldManager", message: "Required value: is required for apply patch" }]);
  }
  const body = decodeBody(ctx.req.headers.get("content-type"), await readBody(ctx.req), [APPLY_PATCH]);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw errors.badRequest("error decoding YAML: the apply configuration must be an object");
  const applied = body as KubeObject;
  if (!applied.apiVersion || !applied.kind) throw errors.badRequest(`${!applied.apiVersion ? "apiVersion" : "kind"} must be set in an apply configuration`);
  checkKind(applied);
  applied.metadata ??= {};
  if (applied.metadata.name !== undefined && applied.metadata.name !== path.name) {
    throw errors.badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${path.name})`);
  }
  const warnings: string[] = [];
  checkFields(def, applied, q.fieldValidation, warnings);
  const written = await ctx.storage.update(
    def,
    path.namespace,
    path.name!,
    (current) => {
      const next = serverSideApply({
        live: current,
        applied,
        manager: q.fieldManager!,
        force,
        apiVersion: apiVersionOf(def.group, def.version),
        subresource: path.subresource,
        statusApart: hasStatus(def),
        schema: applySchemaOf(def),
        now: nowTimestamp(new Date()),
      });
      // Unpinned: a concurrent write makes the apply run again on the newer object.
      if (!applied.metadata?.resourceVersion) delete next.metadata.resourceVersion;
      next.metadata.name = path.name;
      return next;
    },
    { dryRun: q.dryRun, subresource: path.subresource, createIfMissing: !path.subresource },
  );
  return servedResponse(written, written.created ? 201 : 200, warningHeaders(warnings));
}

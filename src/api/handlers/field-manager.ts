/**
 * Who a write is from, for metadata.managedFields: the `fieldManager` query parameter, else the
 * client's User-Agent up to its first "/" (the apiserver's default: "kubectl", "python-requests"),
 * and the managed-fields bookkeeping of every non-apply write made through the API.
 */
import type { KubeObject } from "../../model/object.ts";
import { apiVersionOf, nowTimestamp } from "../../model/object.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { PatchSchema } from "../patch/patch-schema.ts";
import { patchSchemaFor, patchSchemaOf } from "../openapi/index.ts";
import { trackUpdate } from "../apply/managed-fields.ts";
import { hasStatus } from "../storage/lifecycle.ts";

export function fieldManagerOf(req: Request, fromQuery: string | undefined): string {
  if (fromQuery) return fromQuery;
  const agent = req.headers.get("user-agent") ?? "";
  return agent.split("/")[0]!.slice(0, 128) || "unknown";
}

/** The schema server-side apply merges and tracks by: a custom resource's own, else the kind's OpenAPI. */
export function applySchemaOf(def: ResourceDef): PatchSchema | undefined {
  return def.custom ? patchSchemaOf(def.custom.schema) : patchSchemaFor(def.group, def.version, def.kind);
}

/**
 * Sets `next`'s managedFields for an Update by `manager` over `prev` (undefined: a create).
 * Left as sent when they are not a list (the shape check refuses them with a cause) and on a
 * dry run, which stores nothing and must not grow the answer past what a store holds.
 */
export function recordUpdate(def: ResourceDef, q: { dryRun: boolean }, manager: string, prev: KubeObject | undefined, next: KubeObject, subresource?: string): KubeObject {
  const sent = next.metadata?.managedFields;
  if (q.dryRun || (sent !== undefined && sent !== null && !Array.isArray(sent))) return next;
  const managedFields = trackUpdate(prev, next, {
    manager,
    apiVersion: apiVersionOf(def.group, def.version),
    subresource,
    now: nowTimestamp(new Date()),
    schema: applySchemaOf(def),
    statusApart: hasStatus(def),
  });
  next.metadata = { ...next.metadata };
  if (managedFields.length) next.metadata.managedFields = managedFields;
  else delete next.metadata.managedFields;
  return next;
}

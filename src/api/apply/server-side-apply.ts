/**
 * Server-side apply of one configuration by one manager (`application/apply-patch+yaml`):
 * conflicts with other managers' fields whose value the configuration would change are a 409
 * listing each (type FieldManagerConflict, the apiserver's wording) unless forced, when the
 * fields change owner; the configuration is merged into the live object; fields the manager
 * applied before and no longer does are removed unless someone else owns them; the manager's
 * Apply entry becomes exactly the configuration's fields.
 */
import { cloneObject } from "../../model/clone.ts";
import type { KubeObject } from "../../model/object.ts";
import { StatusError, type StatusCause } from "../../model/errors.ts";
import type { PatchSchema } from "../patch/patch-schema.ts";
import { innerPaths, pathKey, pathOf, pathText, removePath, valueAt } from "./field-set.ts";

const isEmptyObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
import { mergeApplied } from "./merge.ts";
import { ownedFields, readManagers, sameEntry, writeManagers, type Manager } from "./managed-fields.ts";

export interface ApplyRequest {
  /** The stored object, or the empty object of the kind when the apply creates it. */
  live: KubeObject;
  applied: KubeObject;
  manager: string;
  force: boolean;
  /** The apiVersion the configuration was applied in (the entry records it). */
  apiVersion: string;
  subresource?: string;
  /** The kind has a status subresource: the main resource's apply leaves status alone and vice versa. */
  statusApart: boolean;
  schema: PatchSchema | undefined;
  now: string;
}

/** The manager Kubernetes credits an object's fields to when it is first applied without any managedFields. */
export const BEFORE_FIRST_APPLY = "before-first-apply";

export function serverSideApply(r: ApplyRequest): KubeObject {
  const scope = { subresource: r.subresource, statusApart: r.statusApart };
  const me = { manager: r.manager, operation: "Apply" as const, subresource: r.subresource };
  let managers = readManagers(r.live);
  if (managers.length === 0 && r.live.metadata?.uid) {
    const set = ownedFields(r.live, r.schema, scope);
    if (set.size) managers = [{ manager: BEFORE_FIRST_APPLY, operation: "Update", apiVersion: r.live.apiVersion ?? r.apiVersion, set }];
  }
  const applied = cloneObject(r.applied);
  if (applied.metadata) delete applied.metadata.managedFields;
  const appliedSet = ownedFields(applied, r.schema, scope);
  const inner = innerPaths(appliedSet);

  const conflicts: { owner: Manager; key: string }[] = [];
  for (const owner of managers) {
    if (sameEntry(owner, me)) continue;
    for (const key of owner.set) {
      if (!appliedSet.has(key) || inner.has(key)) continue;
      const path = pathOf(key);
      if (!Bun.deepEquals(valueAt(applied, path), valueAt(r.live, path))) conflicts.push({ owner, key });
    }
  }
  if (conflicts.length && !r.force) throw conflictError(conflicts);
  for (const { owner, key } of conflicts) owner.set.delete(key);

  const merged = mergeApplied(r.live, applied, r.schema) as KubeObject;
  const mine = managers.find((m) => sameEntry(m, me));
  // A node the configuration still has fields under stays (an entry taken over from an Update owns maps themselves).
  const dropped = [...(mine?.set ?? [])].filter((k) => !appliedSet.has(k) && !inner.has(k) && !managers.some((m) => m !== mine && m.set.has(k)));
  // Deepest first, so an item's own fields go before the item.
  const owned = (key: string) => appliedSet.has(key) || managers.some((m) => m !== mine && m.set.has(key));
  for (const key of dropped.sort((a, b) => pathOf(b).length - pathOf(a).length)) {
    const path = pathOf(key);
    removePath(merged, path);
    // A map or object the removal left empty goes too, unless someone owns it (labels: {} is no label).
    for (let i = path.length - 1; i > 0; i--) {
      const up = path.slice(0, i);
      const v = valueAt(merged, up);
      if (!isEmptyObject(v) || owned(pathKey(up))) break;
      removePath(merged, up);
    }
  }

  const entry: Manager = { ...me, apiVersion: r.apiVersion, time: r.now, set: appliedSet };
  if (mine) managers[managers.indexOf(mine)] = entry;
  else managers.push(entry);
  merged.metadata = { ...merged.metadata, managedFields: writeManagers(managers) };
  return merged;
}

/**
 * 409 as the apiserver words it: `Apply failed with 1 conflict: conflict with "kubectl" using
 * apps/v1: .spec.replicas`, several grouped by manager; one cause per field (kubectl prints them
 * and its advice about --force-conflicts).
 */
function conflictError(conflicts: { owner: Manager; key: string }[]): StatusError {
  const who = (m: Manager) => `"${m.manager}"${m.subresource ? ` with subresource "${m.subresource}"` : ""} using ${m.apiVersion}`;
  const groups = new Map<Manager, string[]>();
  for (const c of conflicts) groups.set(c.owner, [...(groups.get(c.owner) ?? []), pathText(pathOf(c.key))]);
  const n = conflicts.length;
  const parts = [...groups].map(([m, paths]) => (paths.length === 1 ? `conflict with ${who(m)}: ${paths[0]}` : `conflicts with ${who(m)}:\n${paths.map((p) => `- ${p}`).join("\n")}`));
  const causes: StatusCause[] = conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with ${who(c.owner)}`, field: pathText(pathOf(c.key)) }));
  return new StatusError(409, "Conflict", `Apply failed with ${n} conflict${n === 1 ? "" : "s"}: ${parts.join("\n")}`, { causes });
}

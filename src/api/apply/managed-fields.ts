/**
 * metadata.managedFields: who owns which fields, kept for every write made through the API.
 * An Update (create, PUT, a non-apply PATCH) gives its manager the fields it added or changed
 * and takes them from everyone else; fields it removed leave every set. An Apply's manager owns
 * exactly the fields of its configuration (server-side-apply.ts).
 */
import type { KubeObject } from "../../model/object.ts";
import type { PatchSchema } from "../patch/patch-schema.ts";
import { collectFields, collectValuedFields, LOOK_UP, pathKey, pathOf, valueAt, type FieldSet, type ValuedFields } from "./field-set.ts";
import { fieldsV1Of, fromFieldsV1, hasMember, toFieldsV1, trieHas } from "./fields-v1.ts";

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  fieldsType: "FieldsV1";
  fieldsV1: object;
  subresource?: string;
}

/** One manager's set, with what identifies its entry. */
export interface Manager {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
  /** The stored entry's fieldsV1, written back as it is while `unchanged` (re-encoding is most of an update's bookkeeping). */
  fieldsV1?: object;
  unchanged?: boolean;
}

const sameEntry = (a: Manager, b: Pick<Manager, "manager" | "operation" | "subresource">) =>
  a.manager === b.manager && a.operation === b.operation && (a.subresource ?? "") === (b.subresource ?? "");

/** Fields server-side apply never tracks: identity, system-set metadata, and (where a subresource writes it) status. */
const SYSTEM_META = ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink", "generateName"];

/** The fields of `obj` a manager can own. `statusApart`: status has its own subresource, so `scope` decides which half counts. */
export function ownedFields(obj: KubeObject, schema: PatchSchema | undefined, scope: { subresource?: string; statusApart: boolean }, mapNodes = false): FieldSet {
  const set: FieldSet = new Set();
  collectFields(ownable(obj, scope), schema, [], set, mapNodes);
  set.delete(pathKey([]));
  return set;
}

/** ownedFields with mapNodes, each with its value (see collectValuedFields). */
function ownedFieldValues(obj: KubeObject, schema: PatchSchema | undefined, scope: { subresource?: string; statusApart: boolean }): ValuedFields {
  return collectValuedFields(ownable(obj, scope), schema);
}

/** What of `obj` a manager can own: no identity or system metadata; the half of it `scope` writes. */
function ownable(obj: KubeObject, scope: { subresource?: string; statusApart: boolean }): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...obj };
  delete copy.apiVersion;
  delete copy.kind;
  if (copy.metadata && typeof copy.metadata === "object") {
    const meta: Record<string, unknown> = { ...(copy.metadata as object) };
    for (const k of SYSTEM_META) delete meta[k];
    if (Object.keys(meta).length) copy.metadata = meta;
    else delete copy.metadata;
  }
  if (scope.statusApart) {
    if (scope.subresource === "status") {
      for (const k of Object.keys(copy)) if (k !== "status" && k !== "metadata") delete copy[k];
    } else delete copy.status;
  }
  return copy;
}

export function readManagers(obj: KubeObject): Manager[] {
  const entries = obj.metadata?.managedFields;
  if (!Array.isArray(entries)) return [];
  return entries
    .filter((e: any) => e && typeof e.manager === "string" && (e.operation === "Apply" || e.operation === "Update"))
    .map((e: any) => storedManager(e));
}

/**
 * A stored entry as a Manager whose set is read out of its fieldsV1 only when used: a kubelet's
 * status write asks of the creator's entry only whether it owns what changed (trieHas), and
 * reading every entry's whole set was a twentieth of such a write.
 */
function storedManager(e: any): Manager {
  let set: FieldSet | undefined;
  return {
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion ?? "",
    subresource: e.subresource || undefined,
    time: e.time,
    fieldsV1: e.fieldsV1,
    get set(): FieldSet {
      return (set ??= fromFieldsV1(e.fieldsV1));
    },
    set set(value: FieldSet) {
      set = value;
    },
  };
}

/** Removes `key` from m's set; whether it was there. An entry's fieldsV1 answers first when it does not hold the key. */
function drop(m: Manager, key: string): boolean {
  return (m.fieldsV1 === undefined || trieHas(m.fieldsV1, key)) && m.set.delete(key);
}

export function writeManagers(managers: Manager[]): ManagedFieldsEntry[] {
  return managers
    .filter((m) => (m.unchanged && m.fieldsV1 ? hasMember(m.fieldsV1) : m.set.size > 0))
    .map((m) => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time ? { time: m.time } : {}),
      fieldsType: "FieldsV1" as const,
      fieldsV1: m.unchanged && m.fieldsV1 ? m.fieldsV1 : toFieldsV1(m.set),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    }));
}

/**
 * Paths of `next` added or changed against `prev` (leaves compared by value; inner nodes only
 * when new), from the values the walks found.
 */
export function changedFields(prev: ValuedFields, next: ValuedFields, prevObj: unknown, nextObj: unknown): FieldSet {
  const at = (values: Map<string, unknown>, obj: unknown, key: string) => {
    const v = values.get(key);
    return v === LOOK_UP ? valueAt(obj, pathOf(key)) : v;
  };
  const out: FieldSet = new Set();
  for (const key of next.values.keys()) {
    if (!prev.values.has(key)) out.add(key);
    else if (!next.inner.has(key) && !Bun.deepEquals(at(prev.values, prevObj, key), at(next.values, nextObj, key))) out.add(key);
  }
  return out;
}

export interface UpdateContext {
  manager: string;
  apiVersion: string;
  subresource?: string;
  now: string;
  schema: PatchSchema | undefined;
  statusApart: boolean;
}

/**
 * The managedFields of `next`, written over `prev` (undefined on create) by an Update.
 * managedFields sent in the request replace the stored ones (kubectl moves client-side apply's
 * ownership to its server-side manager that way); absent, the stored ones carry on.
 */
export function trackUpdate(prev: KubeObject | undefined, next: KubeObject, ctx: UpdateContext): ManagedFieldsEntry[] {
  const sent = next.metadata?.managedFields;
  const base = Array.isArray(sent) && (!prev || !Bun.deepEquals(sent, prev.metadata?.managedFields)) ? next : prev;
  const scope = { subresource: ctx.subresource, statusApart: ctx.statusApart };
  // A create that sends none: its manager owns every field, encoded in one walk of the object.
  if (!base) return createdEntry(fieldsV1Of(ownable(next, scope), ctx.schema), ctx);
  const managers = readManagers(base);
  const before = prev ? ownedFieldValues(prev, ctx.schema, scope) : { values: new Map<string, unknown>(), inner: new Set<string>() };
  const after = ownedFieldValues(next, ctx.schema, scope);
  const changed = changedFields(before, after, prev, next);
  const removed: string[] = [];
  for (const k of before.values.keys()) if (!after.values.has(k)) removed.push(k);
  const me = { manager: ctx.manager, operation: "Update" as const, subresource: ctx.subresource };
  let entry = changed.size ? managers.find((m) => sameEntry(m, me)) : undefined;
  for (const m of managers) {
    // Stored entries were written by this server, so they are already in canonical form; sent ones are re-encoded.
    let unchanged = base === prev;
    // The writer keeps what it changed (added below); everyone else loses it.
    if (m !== entry) for (const k of changed) if (drop(m, k)) unchanged = false;
    for (const k of removed) if (drop(m, k)) unchanged = false;
    m.unchanged = unchanged;
  }
  if (changed.size) {
    if (!entry) managers.push((entry = { ...me, apiVersion: ctx.apiVersion, set: new Set(), unchanged: false }));
    // A writer that changes fields it already owns (a kubelet's status) keeps its encoded set as stored.
    for (const k of changed) {
      if (entry.set.has(k)) continue;
      entry.set.add(k);
      entry.unchanged = false;
    }
    entry.time = ctx.now;
    entry.apiVersion = ctx.apiVersion;
  }
  return writeManagers(managers);
}

/** A create's one entry (as writeManagers writes it), or none when the object has no field to own. */
function createdEntry(fieldsV1: object, ctx: UpdateContext): ManagedFieldsEntry[] {
  for (const _ in fieldsV1) {
    return [
      {
        manager: ctx.manager,
        operation: "Update",
        apiVersion: ctx.apiVersion,
        ...(ctx.now ? { time: ctx.now } : {}),
        fieldsType: "FieldsV1",
        fieldsV1,
        ...(ctx.subresource ? { subresource: ctx.subresource } : {}),
      },
    ];
  }
  return [];
}

export { sameEntry };
